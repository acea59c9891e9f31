import { z } from 'zod';
import { baseEventDataSchemas, isUserEventType, isSchedulerEventType, type ClinicalEventType } from '../events';
import { screeningDataSchema } from '../rules/screening-data';
import { clinicalDate } from '../rules/clinical-dates';
import { heightCmSchema, weightKgSchema } from '../rules/body-size';
import { PROTOCOL_MIGRATED, protocolMigratedSchema, ROLLED_OVER, rolledOverSchema } from '../lifecycle/migration';

/**
 * A stored record a read model could not use as it stands: a value written before today's bounds
 * existed (a CAR_COPIES of -1), an unparseable date, a missing field, data the current schema
 * would refuse. The read model leaves the record out of what it computes and lists it, so one odd
 * record never turns an answer into an error for everyone.
 */
export interface DataIssue {
  patientId: string;
  /** The log entry; null when the problem is the patient's stored row (its snapshot). */
  seq: number | null;
  /** The entry's event type; null for the patient's row. */
  type: string | null;
  /** What is odd: `occurredAt`, `data.value`, `snapshot` … */
  field: string;
  /** What is wrong with it, in words (the value itself is not repeated). */
  problem: string;
}

/** A log entry as stored, before anything is assumed of its shape. */
export interface StoredEntry {
  seq: number;
  type: string;
  data: unknown;
  occurredAt: unknown;
}

/** What registration writes: the protocol and site as given, and the patient's demographics. */
const registrationSchema = z.looseObject({
  sex: z.enum(['female', 'male', 'other', 'unknown']),
  birthDate: clinicalDate,
  weightKg: weightKgSchema,
  heightCm: heightCmSchema,
});

/** The engine writes the dose level the trial assigned, and the chain-of-identity identifier it allocated, onto ENROLLED. */
const enrolledSchema = z.object({ doseLevel: z.number().int().positive().optional(), coi: z.string().min(1).max(40).optional() }).strict();

/** The engine writes who verified the product bag at the bedside onto INFUSION_COMPLETED. */
const verifierSchema = z
  .object({ userId: z.string().min(1).max(80), name: z.string().max(200), role: z.string().max(40), signedAt: z.string().optional(), meaning: z.string().optional() })
  .strict();
const infusionSchema = baseEventDataSchemas.INFUSION_COMPLETED.extend({
  bedsideCheck: z
    .object({ bagCoi: z.string().min(1).max(40), patientCoi: z.string().min(1).max(40), verifiedBy: z.array(verifierSchema).min(2).max(2) })
    .strict()
    .optional(),
});

function storedSchema(type: string): z.ZodType | undefined {
  if (type === 'PATIENT_REGISTERED') return registrationSchema;
  if (type === 'ENROLLED') return enrolledSchema;
  if (type === 'INFUSION_COMPLETED' || type === 'SECOND_INFUSION_COMPLETED') return infusionSchema;
  if (type === PROTOCOL_MIGRATED) return protocolMigratedSchema;
  if (type === ROLLED_OVER) return rolledOverSchema;
  if (type === 'SCREENING_DATA_RECORDED') return screeningDataSchema;
  if (isUserEventType(type) || isSchedulerEventType(type)) return baseEventDataSchemas[type as Exclude<ClinicalEventType, 'SCREENING_DATA_RECORDED'>];
  return undefined;
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/**
 * What the current schemas find wrong with one stored entry: its type, its clinical time, its data.
 * Empty for an entry every read model can use.
 */
export function storedEntryProblems(entry: Pick<StoredEntry, 'type' | 'data' | 'occurredAt'>, readsData = true): Array<{ field: string; problem: string }> {
  const problems: Array<{ field: string; problem: string }> = [];
  const at = entry.occurredAt;
  if (typeof at !== 'string' || !ISO_INSTANT.test(at) || Number.isNaN(Date.parse(at))) {
    problems.push({ field: 'occurredAt', problem: 'is not an ISO 8601 date-time' });
  }
  if (!readsData) return problems;
  const schema = storedSchema(entry.type);
  if (!schema) return [...problems, { field: 'type', problem: 'is not an event of the vocabulary' }];
  if (typeof entry.data !== 'object' || entry.data === null || Array.isArray(entry.data)) {
    return [...problems, { field: 'data', problem: 'is not a JSON object' }];
  }
  const parsed = schema.safeParse(entry.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ field: ['data', ...issue.path.map(String)].join('.'), problem: issue.message });
  }
  return problems;
}

/**
 * Splits a patient's log into the entries a read model can trust and an issue for each it cannot.
 * `dataOf` names the event types whose data the read model reads (all when not given): of the others
 * only the clinical time is checked, so a read model lists only what it could not use. The
 * registration is kept whatever its problems (without it there is no patient to read): its issues are
 * listed and the reader copes with what it holds.
 */
export function screenLog<T extends StoredEntry>(patientId: string, log: readonly T[], dataOf?: readonly string[]): { trusted: T[]; issues: DataIssue[] } {
  const trusted: T[] = [];
  const issues: DataIssue[] = [];
  for (const entry of log) {
    const problems = storedEntryProblems(entry, !dataOf || dataOf.includes(entry.type));
    issues.push(...problems.map((p) => ({ patientId, seq: entry.seq, type: entry.type, ...p })));
    if (!problems.length || entry.type === 'PATIENT_REGISTERED') trusted.push(entry);
  }
  return { trusted, issues };
}

/** An issue for a stored entry that the read model could not use for a reason the schemas do not catch (an exception on the way). */
export function unreadableEntry(patientId: string, entry: { seq?: number | null; type: string | null }, error: unknown, field = 'data'): DataIssue {
  return { patientId, seq: entry.seq ?? null, type: entry.type, field, problem: `could not be read: ${messageOf(error)}` };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
