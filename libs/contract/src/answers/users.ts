import { z } from 'zod';
import { instant, roleSchema } from './common';

/** A user as `GET /users/me` and `GET /users` show it: never its token or password. */
export const userSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  siteIds: z.array(z.string()),
  createdAt: instant,
  revokedAt: instant.nullable(),
  tokenExpiresAt: instant.nullable().describe('null for the admin of ADMIN_TOKEN, whose token does not expire'),
  signingPasswordSet: z.boolean(),
  signingLockedAt: instant.nullable(),
});
export type User = z.infer<typeof userSchema>;

export const bearerTokenSchema = z.string().describe('an opaque bearer token, `ct_` and 32 base64url characters');

/** `POST /users`: the user and its token, which is in this answer only. */
export const createdUserSchema = userSchema.extend({ token: bearerTokenSchema });

/** How the engine reaches the user outside the app (README, "Email and calendar feeds"). */
export const reachPreferencesSchema = z.strictObject({
  email: z.string().nullable(),
  emailPreference: z.enum(['immediate', 'daily', 'off']).describe('immediate: each notice as it comes; daily: one digest a day; off: the in-app inbox only'),
  calendarFeed: z.boolean().describe('whether the user has a calendar feed (its address is shown once, when created)'),
});
export const calendarFeedSchema = z.strictObject({
  token: z.string().describe('the feed token, `cf_` and 32 base64url characters: shown this once'),
  path: z.string().describe('the feed, `/calendar/<token>.ics`: subscribe to it from a calendar application'),
});

export type ReachPreferences = z.infer<typeof reachPreferencesSchema>;
export type CalendarFeed = z.infer<typeof calendarFeedSchema>;

/** A rotated token: in this answer only; the old one stops working at once. */
export const rotatedTokenSchema = z.strictObject({ token: bearerTokenSchema, expiresAt: instant.nullable() });
