import { z } from 'zod';
import { instant } from './common';
import { patientSchema } from './patients';

/** A timer a migration adds, moves (with the due date it had) or cancels. */
const timerRefSchema = z.strictObject({ sendId: z.string(), dueAt: instant, from: instant.optional().describe('the due date a moved timer had') });

const visitChangesSchema = z.strictObject({
  added: z.array(z.string()).describe("visits the amendment's schedule adds"),
  dropped: z.array(z.string()),
  notRequired: z.array(z.strictObject({ visit: z.string(), reason: z.string() })).describe('added visits whose window had closed already'),
});

/** The `PROTOCOL_MIGRATED` entry's data: what the investigator signed. */
export const migrationRecordSchema = z.strictObject({
  from: z.string().describe('"id@version"'),
  to: z.string().describe('"id@version"'),
  fromState: z.string(),
  toState: z.string(),
  visits: visitChangesSchema,
  timers: z.strictObject({ added: z.array(timerRefSchema), moved: z.array(timerRefSchema), cancelled: z.array(timerRefSchema) }),
  reconsent: z.strictObject({ consentVersion: z.string(), before: z.string() }).nullable(),
  siteApproval: z.strictObject({ approvedOn: z.string(), reference: z.string() }).nullable(),
});

/** `POST /patients/{id}/migrations`. */
export const migrationAnswerSchema = z.strictObject({
  patient: patientSchema,
  seq: z.number().int().describe("the migration's entry in the patient's log"),
  migration: migrationRecordSchema,
  replayed: z.boolean().describe('true when the patient had been moved by this amendment before: nothing was written'),
});

export const previewRowSchema = z.strictObject({
  patientId: z.string(),
  subjectId: z.string(),
  siteId: z.string(),
  version: z.number().int(),
  state: z.string(),
  status: z.enum(['migratable', 'unmigratable', 'awaitingApproval', 'migrated']),
  toState: z.string().nullable(),
  reasons: z.array(z.string()).describe('why the patient cannot be moved (now)'),
  visits: visitChangesSchema,
  timers: z.strictObject({ kept: z.number().int(), added: z.array(timerRefSchema), moved: z.array(timerRefSchema), cancelled: z.array(timerRefSchema) }),
  reconsent: z.strictObject({ consentVersion: z.string(), before: z.string() }).nullable(),
  migratedAt: instant.optional(),
});

/** `GET /trials/{protocolId}/amendments/{version}/preview`: the dry run, nothing written. */
export const migrationPreviewSchema = z.strictObject({
  protocol: z.string(),
  toVersion: z.number().int(),
  amendment: z.strictObject({ effective: z.string(), summary: z.string(), siteApproval: z.boolean() }),
  at: instant.describe('the clock the dry run was computed against'),
  patients: z.array(previewRowSchema),
  counts: z.strictObject({ migratable: z.number().int(), unmigratable: z.number().int(), awaitingApproval: z.number().int(), migrated: z.number().int() }),
});

/** `POST /trials/{protocolId}/amendments/{version}/migrations`: what happened to each patient of the site. */
export const siteMigrationSchema = z.strictObject({
  protocol: z.string(),
  toVersion: z.number().int(),
  siteId: z.string(),
  patients: z.array(
    z.strictObject({
      patientId: z.string(),
      subjectId: z.string(),
      outcome: z.enum(['migrated', 'alreadyMigrated', 'refused']),
      seq: z.number().int().optional(),
      reasons: z.array(z.string()).optional(),
    }),
  ),
});

/** `POST /patients/{id}/rollover`. */
export const rolloverAnswerSchema = z.strictObject({
  patient: patientSchema.describe('the patient on the long-term follow-up protocol'),
  parentPatientId: z.string(),
  replayed: z.boolean().describe('true when the patient had rolled over before: nothing was written'),
});

export type MigrationRecord = z.infer<typeof migrationRecordSchema>;
export type MigrationAnswer = z.infer<typeof migrationAnswerSchema>;
export type MigrationPreviewRow = z.infer<typeof previewRowSchema>;
export type MigrationPreview = z.infer<typeof migrationPreviewSchema>;
export type SiteMigration = z.infer<typeof siteMigrationSchema>;
export type RolloverAnswer = z.infer<typeof rolloverAnswerSchema>;
