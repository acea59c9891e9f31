import { z } from 'zod';
import { dataIssueSchema, instant, roleSchema } from './common';
import { notificationSchema } from './notifications';
import { manufacturingSlotSchema } from './manufacturing';
import { worklistQueriesSchema } from './queries';

export const worklistTrialSchema = z.strictObject({
  protocolId: z.string(),
  title: z.string(),
  patients: z.number().int(),
  active: z.number().int(),
  byState: z.record(z.string(), z.number().int()),
});
export type WorklistTrial = z.infer<typeof worklistTrialSchema>;

export const worklistPatientSchema = z.strictObject({
  id: z.string(),
  subjectId: z.string(),
  siteId: z.string(),
  protocolId: z.string(),
  protocolVersion: z.number().int(),
  cohort: z.string().nullable(),
  state: z.string(),
  status: z.enum(['active', 'offStudy']),
  doseLevel: z.number().int().nullable(),
  day0: instant.nullable(),
  updatedAt: instant,
});
export type WorklistPatient = z.infer<typeof worklistPatientSchema>;

export const worklistVisitSchema = z.strictObject({
  patientId: z.string(),
  subjectId: z.string(),
  protocolId: z.string(),
  visit: z.string(),
  day: z.number().int(),
  targetDate: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  daysOverdue: z.number().int().optional().describe('on an overdue visit'),
});
export type WorklistVisit = z.infer<typeof worklistVisitSchema>;

export const worklistDltWindowSchema = z.strictObject({
  patientId: z.string(),
  subjectId: z.string(),
  protocolId: z.string(),
  doseLevel: z.number().int().nullable(),
  infusedAt: instant.nullable(),
  closesAt: instant,
  daysLeft: z.number().int(),
});
export type WorklistDltWindow = z.infer<typeof worklistDltWindowSchema>;

/** The caller as the worklist names it: an admin's sites are `all`. */
export const worklistUserSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.union([roleSchema, z.literal('system').describe("the service's own actors, never a caller")]),
  siteIds: z.union([z.array(z.string()), z.literal('all')]),
});
export type WorklistUser = z.infer<typeof worklistUserSchema>;

/** `GET /worklist`: the caller's day, only its sites. */
export const worklistSchema = z.strictObject({
  now: instant,
  user: worklistUserSchema,
  trials: z.array(worklistTrialSchema),
  patients: z.array(worklistPatientSchema),
  visits: z.strictObject({ dueToday: z.array(worklistVisitSchema), overdue: z.array(worklistVisitSchema) }),
  dltWindows: z.array(worklistDltWindowSchema),
  reconsentDue: z
    .array(
      z.strictObject({
        patientId: z.string(),
        subjectId: z.string(),
        protocolId: z.string(),
        consentVersion: z.string(),
        amendment: z.number().int(),
        dueSince: instant,
        blocks: z.array(z.string()),
      }),
    )
    .describe('patients an amendment moved who owe its re-consent: the steps in `blocks` are refused until CONSENT_SIGNED with `consentVersion`'),
  manufacturing: z
    .array(
      z.strictObject({
        patientId: z.string(),
        subjectId: z.string(),
        protocolId: z.string(),
        state: z.string(),
        slot: manufacturingSlotSchema,
      }),
    )
    .describe('patients enrolled and not yet infused who hold or await a manufacturing slot: the week and expected release, or the place in the queue'),
  queries: z.array(worklistQueriesSchema).describe('patients with data queries not closed (README, "Data queries"), oldest first'),
  notifications: z.strictObject({ unread: z.number().int(), items: z.array(notificationSchema) }),
  dataIssues: z.array(dataIssueSchema).describe('patients whose stored row could not be read: left out of visits and DLT windows'),
  truncated: z.boolean().optional().describe('set when more patients exist than the worklist walks'),
});
export type Worklist = z.infer<typeof worklistSchema>;
