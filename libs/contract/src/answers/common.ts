import { z } from 'zod';
import { ROLES } from '../vocabulary';

export type { Role } from '../vocabulary';
export const roleSchema = z.enum(ROLES);

/** An instant as the API writes it: ISO 8601 in UTC (`2026-03-01T09:30:00.000Z`). */
export const instant = z.string().describe('ISO 8601 instant');

/**
 * Every error answer: `{ error, message, … }` (apps/api/src/http/error-filter.ts), with the extra
 * fields of the domain error that raised it (libs/domain/src/errors.ts).
 */
export const errorBodySchema = z
  .looseObject({
    error: z.string().describe('a stable code: invalid_input, unauthenticated, forbidden, not_found, event_not_accepted, version_conflict, refused …'),
    message: z.string().describe('what was wrong, in words a coordinator understands'),
    issues: z.array(z.string()).optional().describe('400 invalid_input: one per wrong field'),
    reasons: z.array(z.string()).optional().describe('422 refused: one plain sentence per unmet rule'),
    state: z.string().optional().describe('409 event_not_accepted: the state the patient is in'),
    acceptedEvents: z.array(z.string()).optional().describe('409 event_not_accepted: what that state accepts'),
    currentVersion: z.number().int().optional().describe('409 version_conflict: the patient version now'),
  })
  .describe('An error answer');
export type ApiErrorBody = z.infer<typeof errorBodySchema>;

/** One page of a list: its items, how many there are in all, and the page asked for. */
export const pageOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

/**
 * A stored record a read model left out because it could not use it (a value from before today's
 * bounds, an unparseable date, a missing field): the patient, the log entry (null: the patient's
 * stored row), the field and what is wrong.
 */
export const dataIssueSchema = z.object({
  patientId: z.string().nullable().describe('null for a patient at a site the caller cannot see'),
  subjectId: z.string().nullable().optional(),
  protocolId: z.string().optional().describe('on the worklist'),
  seq: z.number().int().nullable(),
  type: z.string().nullable(),
  field: z.string(),
  problem: z.string(),
});
export type DataIssue = z.infer<typeof dataIssueSchema>;

/** An electronic signature as a record keeps it (21 CFR Part 11 §11.50). */
export const signatureRecordSchema = z.strictObject({ signerId: z.string(), signerName: z.string(), meaning: z.string(), signedAt: instant });
export type SignatureRecord = z.infer<typeof signatureRecordSchema>;
