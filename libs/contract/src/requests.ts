/** What the HTTP API takes: bodies, queries, path parameters and headers, validated by the controllers with these schemas. */
import { z } from 'zod';
import { bodySizePairProblem, clinicalDate, clinicalDateTime, heightCmSchema, weightKgSchema } from '#protocols';
import { ACCESS_ACTIONS, ROLES } from './vocabulary';

const code = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "-" and "_"');

export const registerPatientSchema = z
  .object({
    protocolId: z.string().min(1).max(60),
    protocolVersion: z.number().int().positive().optional(),
    cohort: z.string().min(1).max(20).optional(),
    subjectId: code(60),
    siteId: code(60),
    sex: z.enum(['female', 'male', 'other', 'unknown']),
    birthDate: clinicalDate,
    weightKg: weightKgSchema,
    heightCm: heightCmSchema,
  })
  .strict()
  .superRefine((body, ctx) => {
    const problem = bodySizePairProblem(body.heightCm, body.weightKg);
    if (problem) ctx.addIssue({ code: 'custom', path: ['weightKg'], message: problem });
  });
export type RegisterPatientBody = z.infer<typeof registerPatientSchema>;

/** An electronic signature: the signer's signing password, re-entered, and what the signature means. */
const signatureSchema = z.object({ password: z.string().min(1).max(200), meaning: z.string().trim().min(3).max(500) }).strict();

/**
 * The second person of the bedside check on INFUSION_COMPLETED (README, "Chain of identity and the
 * bedside check"): their user id and their own signing password; the meaning defaults to the policy's.
 */
const witnessSchema = z.object({ userId: z.uuid(), password: z.string().min(1).max(200), meaning: z.string().trim().min(3).max(500).optional() }).strict();

export const postEventSchema = z
  .object({
    type: z.string().min(1).max(60),
    occurredAt: clinicalDateTime.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().trim().min(1).max(2000).optional(),
    signature: signatureSchema.optional(),
    witness: witnessSchema.optional(),
  })
  .strict();
export type PostEventBody = z.infer<typeof postEventSchema>;

/** The caller's email address and how notices reach it. */
export const reachPreferencesBodySchema = z
  .object({
    email: z.email({ message: 'must be an email address' }).max(254).nullable(),
    emailPreference: z.enum(['immediate', 'daily', 'off']),
  })
  .strict();

/** The body of a signed act on a trial (a data lock, the release of a hold): the electronic signature alone. */
export const signedActSchema = z.object({ signature: signatureSchema }).strict();
export type SignedActBody = z.infer<typeof signedActSchema>;

/**
 * Moving a patient to an amendment's version (an electronic signature). The signature is optional
 * here so that its absence is refused (422) after the other rules have had their say.
 */
export const migratePatientSchema = z.object({ toVersion: z.number().int().positive(), signature: signatureSchema.optional() }).strict();
export type MigratePatientBody = z.infer<typeof migratePatientSchema>;

/** Moving every patient of one site that the amendment can move (an electronic signature). */
export const migrateSiteSchema = z.object({ siteId: code(60), signature: signatureSchema.optional() }).strict();
export type MigrateSiteBody = z.infer<typeof migrateSiteSchema>;

/** The dry run: one site, or every site the caller may see. */
export const migrationPreviewQuery = z.object({ siteId: code(60).optional() }).strict();

/** Rolling a patient over into long-term follow-up, with the follow-up consent they signed. */
export const rolloverSchema = z
  .object({
    protocolId: code(60),
    consentVersion: z.string().trim().min(1).max(40),
    consentSignedAt: clinicalDateTime,
    subjectId: code(60).optional(),
  })
  .strict();
export type RolloverBody = z.infer<typeof rolloverSchema>;

/**
 * The bodies of the report routes: the event's data at the top level, plus the event's own
 * `occurredAt` and `reason`. The data itself is validated by the patient's protocol, like any event.
 */
const reportEnvelope = { occurredAt: clinicalDateTime.optional(), reason: z.string().trim().min(1).max(2000).optional() };
export const observationSchema = z.looseObject({ ...reportEnvelope, code: z.string(), value: z.number(), unit: z.string(), collectedAt: z.string() });
export const adverseEventSchema = z.looseObject({ ...reportEnvelope, term: z.string(), onset: z.string() });
export type ClinicalReportBody = { occurredAt?: string; reason?: string } & Record<string, unknown>;

/** Pagination of a list route. */
export const page = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) };

export const listPatientsQuery = z
  .object({
    protocolId: z.string().max(60).optional(),
    cohort: z.string().max(20).optional(),
    state: z.string().max(60).optional(),
    siteId: z.string().max(60).optional(),
    status: z.enum(['active', 'offStudy']).optional(),
    ...page,
  })
  .strict();

export const listEventsQuery = z.object({ afterSeq: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) }).strict();

export const protocolQuery = z.object({ version: z.coerce.number().int().positive().optional() }).strict();
export const diagramQuery = protocolQuery.extend({ format: z.enum(['mermaid', 'svg']).default('mermaid') });

/**
 * A trial counts the patients of every version of its protocol (ADR 0011): its own routes take no
 * version, and say so to a caller who gives one.
 */
export const trialQuery = z.strictObject(
  {},
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `the trial counts the patients of every version of its protocol: ${issue.keys.join(', ')} is not taken here (cut the outcomes or the export by version instead)`
        : undefined,
  },
);

/** The patients of one version only (`version=N`), or of every version of the trial when absent. */
const versionCut = z.strictObject({
  version: z.coerce
    .number({ error: 'version must be a whole number from 1' })
    .int('version must be a whole number from 1')
    .positive('version must be a whole number from 1')
    .optional()
    .describe("only the patients of this protocol version; every version's when absent"),
});

export const exportQuery = versionCut.extend({
  format: z.literal('sdtm', { error: 'format must be sdtm' }),
  domain: z.enum(['DM', 'EX', 'AE', 'SUPPAE', 'RS', 'LB', 'DV']).optional(),
});

export const outcomesQuery = versionCut.extend({ asOf: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional() });

/** A dose level or a hold named in the path: a whole number from 1. */
export const ordinal = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a whole number` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1`)
    .max(1_000_000, `${what} is at most 1000000`);

/** A site named in a path: a site id as `POST /users` takes it. */
export const siteIdParam = code(60);

/**
 * Text a person writes into the record on one line (an IRB reference, a reason): no control
 * character (a NUL or a lone surrogate is refused with the whole body, see record-text.ts).
 */
const lineOfText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .regex(/^\P{Cc}*$/u, 'may hold no control character (a tab, a line break …)');

/** The earliest approval date taken: no amendment run by this engine is older; an earlier one is a typing error. */
const EARLIEST_APPROVAL = '1990-01-01';

/** `PUT /trials/{protocolId}/amendments/{version}/sites/{siteId}`: a site's IRB/ethics approval of an amendment. */
export const siteApprovalBodySchema = z
  .object({
    approvedOn: z.iso.date('must be a date, YYYY-MM-DD').refine((day) => day >= EARLIEST_APPROVAL, `must be ${EARLIEST_APPROVAL} or later`),
    reference: lineOfText(200).describe("the IRB/ethics committee's reference of the approval"),
    reason: lineOfText(2000).optional().describe('why an approval already recorded is corrected (required then)'),
  })
  .strict();
export type SiteApprovalBody = z.infer<typeof siteApprovalBodySchema>;

export const createUserSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    siteIds: z.array(code(60)).max(100).default([]),
  })
  .strict()
  .refine((u) => u.role === 'admin' || u.siteIds.length > 0, { message: 'a non-admin user needs at least one site', path: ['siteIds'] });

/** A new signing password; `currentPassword` is needed to change one that is set (21 CFR Part 11 §11.300). */
export const signingPasswordSchema = z.object({ password: z.string().min(12, 'at least 12 characters').max(200), currentPassword: z.string().min(1).max(200).optional() }).strict();

/** A notification kind as the engine names them (`visit.reminder`, `dlt.window.closing` …). */
const notificationKind = z
  .string()
  .trim()
  .regex(/^[a-z][a-zA-Z0-9.-]{0,59}$/, 'a notification kind: letters, digits, dots and dashes, as the notices name them');
const inboxFilter = { kind: notificationKind.optional(), patientId: z.string().trim().min(1).max(60).optional() };
export const inboxQuery = z
  .object({
    unread: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    ...inboxFilter,
    ...page,
  })
  .strict();
/** `POST /notifications/read`: every unread notice that matches, up to the moment the page was read. */
export const markAllReadSchema = z
  .object({
    ...inboxFilter,
    upTo: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export const deliveriesQuery = z.object({ status: z.enum(['pending', 'delivered', 'dead']).optional(), ...page }).strict();
export const createWebhookSchema = z
  .object({
    // Any URL here; the destination rules (https, public addresses) are the service's, a 422 naming the rule.
    url: z.url().max(500),
    siteIds: z.array(z.string().min(1).max(60)).max(100).default([]),
    kinds: z.array(z.string().min(1).max(40)).max(20).default([]),
  })
  .strict();

export const verifyQuery = z.object({ patientId: z.uuid().optional() }).strict();

export const accessQuery = z
  .object({
    patientId: z.uuid().optional(),
    actor: z
      .string()
      .regex(/^((user:)?[0-9a-f-]{36}|system:[a-z-]{1,40})$/i, 'must be a user id, user:<id> or system:<name>')
      .optional(),
    action: z.enum(ACCESS_ACTIONS).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII without spaces')
  .optional();

/**
 * `Prefer` (RFC 7240): `return=minimal` asks for the small answer to an event; any other preference,
 * or `return=representation`, leaves the whole one. Preferences the engine does not know are ignored,
 * as the RFC asks.
 */
export const preferHeader = z
  .string()
  .max(1000)
  .optional()
  .transform((value) => {
    const preferences = (value ?? '').split(',').map((p) =>
      p
        .split(';')[0]
        .trim()
        .toLowerCase()
        .replace(/\s*=\s*/, '='),
    );
    return { returnMinimal: preferences.includes('return=minimal') && !preferences.includes('return=representation') };
  });

/** `If-Match: 7`, `"7"` or `W/"7"`. */
export const ifMatchHeader = z
  .string()
  .regex(/^(W\/)?"?\d{1,9}"?$/, 'must be the patient version, e.g. 7')
  .transform((v) => Number(v.replace(/\D/g, '')))
  .optional();

// ------------------------------------------------------------------ lab results in
export const labInboxQuery = z.object({ status: z.enum(['open', 'resolved', 'rejected']).optional(), ...page }).strict();
export const labMessagesQuery = z.object({ ...page }).strict();
/** A person's resolution of an inbox item: apply it (to the patient, under the code named; each optionally saved for the site), or reject it. */
export const labInboxResolutionSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('apply'),
      patientId: z.uuid().optional(),
      labCode: code(40).optional(),
      saveMapping: z.boolean().optional(),
      saveIdentifiers: z.boolean().optional(),
    })
    .strict(),
  z.object({ action: z.literal('reject'), reason: z.string().trim().min(1).max(500) }).strict(),
]);
export type LabInboxResolutionBody = z.infer<typeof labInboxResolutionSchema>;
export const labCodeMappingSchema = z
  .object({ siteId: code(60), codeSystem: z.string().trim().min(1).max(100), code: z.string().trim().min(1).max(100), labCode: code(40) })
  .strict();
export const fhirIntakeQuery = z.object({ siteId: code(60).optional() }).strict();

/** The bag a label is for, and its image format (GET /patients/{id}/labels/{bag}). */
export const bagParam = z.enum(['apheresis', 'product'], { message: 'must be apheresis or product' });
export const labelQuery = z.object({ format: z.enum(['svg', 'png'], { message: 'must be svg or png' }).default('svg') }).strict();

/** An ISO 8601 week as the manufacturing slots are booked: `YYYY-Www`; whether the week exists and may be booked is the service's to say (422). */
export const isoWeekText = z.string().regex(/^\d{4}-W\d{2}$/, 'must be an ISO 8601 week written YYYY-Www (e.g. 2027-W05)');

/** What an admin says of a manufacturing site (README, "Manufacturing capacity"). */
const manufacturingSiteFields = {
  name: lineOfText(200).describe('the site as people call it'),
  protocolIds: z.array(code(60)).max(50).describe('the trials it makes product for; a trial has one manufacturing site'),
  slotsPerWeek: z.number().int().min(0).max(1000).describe('products it can start per ISO week'),
  releaseDays: z.number().int().min(1).max(365).describe('days from the Monday of the slot week to the expected release of the product'),
  horizonWeeks: z.number().int().min(1).max(104).describe('how many weeks ahead, the current week included, it books'),
};

/** `POST /manufacturing/sites`. */
export const createManufacturingSiteSchema = z.object({ id: code(60).describe('a short id of your choosing, e.g. mfg-east'), ...manufacturingSiteFields }).strict();
export type CreateManufacturingSiteBody = z.infer<typeof createManufacturingSiteSchema>;

/** `PUT /manufacturing/sites/{siteId}`: the whole definition again. */
export const updateManufacturingSiteSchema = z.object(manufacturingSiteFields).strict();
export type UpdateManufacturingSiteBody = z.infer<typeof updateManufacturingSiteSchema>;

/** `GET /manufacturing/sites/{siteId}/capacity`. */
export const capacityQuery = z
  .object({ weeks: z.coerce.number().int().min(1).max(104).optional().describe("how many weeks from the current one (default: the site's horizon)") })
  .strict();

/** `PUT /patients/{id}/manufacturing-slot`: book the patient into a chosen week. */
export const rebookSlotSchema = z.object({ week: isoWeekText, reason: lineOfText(2000).optional().describe('why, for the access audit') }).strict();
export type RebookSlotBody = z.infer<typeof rebookSlotSchema>;

/** `POST /patients/{id}/manufacturing-slot/cancel`. */
export const cancelSlotSchema = z.object({ reason: lineOfText(2000).describe('why the slot is given up') }).strict();
export type CancelSlotBody = z.infer<typeof cancelSlotSchema>;

// ------------------------------------------------------------------ data queries (README, "Data queries")
/** Text a person writes into the record over lines (a question, a reply): line breaks and tabs, no other control character. */
const paragraphOfText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .regex(/^(?:\P{Cc}|[\t\n\r])*$/u, 'may hold no control character but a line break or a tab');

/** A dotted path into an entry's data (`grade`, `crs.temperatureC`, `attestations.0`), or `occurredAt`, `reason`. */
const queryField = z
  .string()
  .trim()
  .max(200)
  .regex(/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/, 'a field of the entry: names and indexes joined by dots, e.g. crs.temperatureC');

export const raiseQuerySchema = z
  .object({
    seq: z.number().int().positive().describe('the log entry asked about'),
    field: queryField.optional().describe('the field of that entry; leave out for the whole entry'),
    question: paragraphOfText(4000),
  })
  .strict();
export type RaiseQueryBody = z.infer<typeof raiseQuerySchema>;

export const answerQuerySchema = z
  .object({
    text: paragraphOfText(4000).optional().describe('the reply'),
    correctionSeq: z.number().int().positive().optional().describe('the later log entry (with a reason) that corrects the queried one'),
  })
  .strict()
  .refine((b) => b.text !== undefined || b.correctionSeq !== undefined, { message: 'an answer is a reply (text), a correcting entry (correctionSeq), or both' });
export type AnswerQueryBody = z.infer<typeof answerQuerySchema>;

export const closeQuerySchema = z.object({ text: paragraphOfText(4000).optional().describe('why it is closed, if anything needs saying') }).strict();
export type CloseQueryBody = z.infer<typeof closeQuerySchema>;

export const reopenQuerySchema = z.object({ text: paragraphOfText(4000).describe('why the answer does not settle it') }).strict();
export type ReopenQueryBody = z.infer<typeof reopenQuerySchema>;

export const queriesQuery = z
  .object({
    status: z.enum(['open', 'answered', 'closed'], { message: 'must be open, answered or closed' }).optional(),
    siteId: code(60).optional(),
    protocolId: code(60).optional(),
    patientId: z.uuid().optional(),
    ...page,
  })
  .strict();

/** `GET /trials/{protocolId}/deviations`: one site's, one patient's, or (neither) every deviation of the caller's sites. */
export const deviationsQuery = z
  .object({
    siteId: code(60).optional(),
    patientId: z.uuid().optional(),
  })
  .strict();
