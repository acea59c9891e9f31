import { z } from 'zod';
import { instant } from './common';

/** An in-app notice to one user: a visit reminder, a missed visit, a DLT window, a severe AE. */
export const notificationSchema = z.strictObject({
  id: z.string(),
  patientId: z.string().nullable(),
  kind: z.string(),
  message: z.string(),
  payload: z.looseObject({ subjectId: z.string().optional(), protocol: z.string().optional(), siteId: z.string().optional() }),
  createdAt: instant,
  readAt: instant.nullable(),
  emailedAt: instant.nullable().describe('when the notice was emailed (at once or in a digest); null: not by email'),
});
export type Notification = z.infer<typeof notificationSchema>;

/** `GET /notifications`: a page of the inbox and how many are unread in all. */
export const inboxSchema = z.strictObject({
  items: z.array(notificationSchema),
  total: z.number().int(),
  unread: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const notificationReadSchema = z.strictObject({ id: z.string(), readAt: instant });
/** `POST /notifications/read`: how many were marked, how many are still unread in all. */
export const notificationsReadSchema = z.strictObject({ marked: z.number().int(), unread: z.number().int(), readAt: instant });

export const webhookSchema = z.strictObject({
  id: z.string(),
  url: z.string(),
  siteIds: z.array(z.string()),
  kinds: z.array(z.string()),
  createdAt: instant,
  revokedAt: instant.nullable(),
});
/** `POST /webhooks`: the webhook with its signing secret, which is in this answer only. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string().describe('`whsec_…`: signs each delivery') });

export const webhookDeliverySchema = z.strictObject({
  id: z.string(),
  outboxId: z.string(),
  webhookId: z.string(),
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: instant,
  updatedAt: instant,
  deliveredAt: instant.nullable(),
});
