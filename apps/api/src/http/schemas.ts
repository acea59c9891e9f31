import { z } from 'zod';
import { ROLES } from '#domain';
import { bodySizePairProblem, clinicalDate, clinicalDateTime, heightCmSchema, weightKgSchema } from '#protocols';

const code = (max: number) => z.string().trim().min(1).max(max).regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "-" and "_"');

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

export const postEventSchema = z
  .object({
    type: z.string().min(1).max(60),
    occurredAt: clinicalDateTime.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().trim().min(1).max(2000).optional(),
    signature: signatureSchema.optional(),
  })
  .strict();
export type PostEventBody = z.infer<typeof postEventSchema>;

/** The body of a signed act on a trial (a data lock, the release of a hold): the electronic signature alone. */
export const signedActSchema = z.object({ signature: signatureSchema }).strict();
export type SignedActBody = z.infer<typeof signedActSchema>;

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

export const listEventsQuery = z
  .object({ afterSeq: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) })
  .strict();

export const protocolQuery = z.object({ version: z.coerce.number().int().positive().optional() }).strict();

export const createUserSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    siteIds: z.array(code(60)).max(100).default([]),
  })
  .strict()
  .refine((u) => u.role === 'admin' || u.siteIds.length > 0, { message: 'a non-admin user needs at least one site', path: ['siteIds'] });

/** A new signing password; `currentPassword` is needed to change one that is set (21 CFR Part 11 §11.300). */
export const signingPasswordSchema = z
  .object({ password: z.string().min(12, 'at least 12 characters').max(200), currentPassword: z.string().min(1).max(200).optional() })
  .strict();

export const idempotencyKeyHeader = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be visible ASCII without spaces').optional();

/** `If-Match: 7`, `"7"` or `W/"7"`. */
export const ifMatchHeader = z
  .string()
  .regex(/^(W\/)?"?\d{1,9}"?$/, 'must be the patient version, e.g. 7')
  .transform((v) => Number(v.replace(/\D/g, '')))
  .optional();

export const openApi = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
