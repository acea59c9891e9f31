import { z } from 'zod';
import { dataIssueSchema, instant, pageOf, signatureRecordSchema } from './common';
import { manufacturingSlotSchema } from './manufacturing';

/**
 * `cancelled`: the patient went off study before the visit was done or missed; it will not happen.
 * `notRequired`: an amendment added the visit but it does not apply to this patient (its window had
 * closed when the patient moved to the amendment, or the patient declined the amendment's re-consent).
 */
export const visitStatusSchema = z.enum(['planned', 'due', 'done', 'missed', 'cancelled', 'notRequired']);
export type VisitStatus = z.infer<typeof visitStatusSchema>;

/** A visit of the schedule of assessments, anchored at Day 0 (the infusion). */
export const visitSchema = z.strictObject({
  name: z.string(),
  day: z.number().int(),
  targetDate: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  assessments: z.array(z.string()),
  status: visitStatusSchema,
  completedAt: instant.optional(),
  outOfWindow: z.boolean().optional(),
  cancelledAt: instant.optional().describe('when the patient went off study, for a cancelled visit'),
  reason: z.string().optional().describe('why a visit is not required of this patient'),
});
export type Visit = z.infer<typeof visitSchema>;

/** `GET /patients/{id}/schedule`. */
export const scheduleSchema = z.strictObject({
  patientId: z.string(),
  day0: instant.nullable(),
  now: instant.describe("the server's clock the visit statuses were read against (the browser's may differ)"),
  visits: z.array(visitSchema),
});
export type Schedule = z.infer<typeof scheduleSchema>;

export const lymphodepletionPlanSchema = z.object({
  bsaM2: z.number(),
  measuredBsaM2: z.number(),
  bsaCapped: z.boolean(),
  agents: z.array(z.object({ agent: z.string(), mgPerM2: z.number(), days: z.array(z.number().int()), dailyMg: z.number(), totalMg: z.number(), capped: z.boolean() })),
});
export type LymphodepletionPlan = z.infer<typeof lymphodepletionPlanSchema>;

export const dltRecordSchema = z.object({
  term: z.string(),
  grade: z.number().int(),
  onset: z.string(),
  provisional: z.boolean().optional().describe('an expected event that counts as a DLT unless it resolves within the allowance'),
  adjudicated: z.boolean().optional().describe("set when an investigator's adjudication made the call"),
  persistsOnStudyDay: z.number().int().optional().describe('a prolonged cytopenia confirmed from a lab proposal: the study day of the count that showed it'),
});
export type DltRecord = z.infer<typeof dltRecordSchema>;

const ancSampleSchema = z.object({ day: z.number().int(), value: z.number() });

/** A lab result CTCAE grades, proposed as an adverse event for the investigator to confirm or dismiss. */
export const labToxicityProposalSchema = z.object({
  id: z.string().describe('`<code>@<collectedAt>`: name it as `labProposal` on ADVERSE_EVENT_REPORTED, or as `proposal` on LAB_TOXICITY_DISMISSED'),
  code: z.string(),
  term: z.string().describe('the CTCAE v5.0 term'),
  grade: z.number().int(),
  reason: z.string(),
  value: z.number(),
  unit: z.string(),
  collectedAt: z.string().describe('the onset the proposal suggests'),
  studyDay: z.number().int(),
  dlt: z.string().optional().describe("set when the result meets the protocol's prolonged-cytopenia DLT clause"),
});

/** ICAHT (EHA/EBMT consensus, Rejeski et al., Blood 2023) from the ANC series. */
export const icahtSchema = z.object({
  early: z.object({
    grade: z.number().int().describe('day 0–30, from the days the samples prove at or below 500/µL and 100/µL'),
    worstPossibleGrade: z.number().int().describe('the grade if every day the samples cannot tell was at or below the thresholds'),
    daysAtOrBelow500: z.number().int(),
    daysAtOrBelow100: z.number().int(),
    unknownDays: z.number().int(),
  }),
  late: z.object({ grade: z.number().int().describe('after day 30: the grade of the second-lowest count'), lowest: z.array(ancSampleSchema) }),
});

export const labToxicitySchema = z.object({
  proposals: z.array(labToxicityProposalSchema),
  grades: z
    .array(z.object({ term: z.string(), code: z.string(), grade: z.number().int(), value: z.number(), collectedAt: z.string() }))
    .describe("each term's grade on its latest result"),
  baselines: z.record(z.string(), z.object({ value: z.number(), collectedAt: z.string() })).describe('the last result of each code collected before lymphodepletion'),
  icaht: icahtSchema.nullable().describe('null before the infusion or without an ANC'),
});

/** The patient's running record inside its state machine: counts and the facts the protocol decides on. */
export const patientRecordSchema = z.strictObject({
  /** Only `subjectId` when the stored snapshot cannot be read (the answer's `dataIssues` says so). */
  demographics: z.object({ subjectId: z.string(), sex: z.string().optional(), birthDate: z.string().optional(), weightKg: z.number().optional(), heightCm: z.number().optional() }),
  screening: z.record(z.string(), z.unknown()),
  consent: z.object({ version: z.string(), signedAt: z.string() }).nullable(),
  eligibility: z.object({ confirmedAt: z.string(), attestations: z.array(z.string()) }).nullable(),
  enrollment: z.object({ enrolledAt: z.string(), doseLevel: z.number().int(), coi: z.string().optional() }).nullable(),
  leukapheresisAt: z.string().nullable(),
  product: z
    .object({
      releasedAt: z.string(),
      lot: z.string().optional(),
      viableCarTCells: z.number().optional(),
      outOfSpecification: z.array(z.string()).optional().describe("the release criteria waived on the investigator's signed justification"),
    })
    .nullable(),
  custody: z
    .object({ step: z.string(), at: z.string(), bagId: z.string().optional(), lot: z.string().optional(), thawedAt: z.string().optional() })
    .nullable()
    .describe('where the product is in its chain of custody and since when (README, "Chain of custody")'),
  manufacturing: z
    .array(
      z.object({
        attempt: z.number().int(),
        source: z.enum(['apheresis', 'retainedCells', 'newApheresis']),
        startedAt: z.string().optional(),
        outcome: z.enum(['released', 'releasedOutOfSpecification', 'rejected', 'failed']).optional(),
        at: z.string().optional(),
        reason: z.string().optional(),
      }),
    )
    .describe('each manufacturing attempt, the first included'),
  bridging: z.array(z.object({ regimen: z.string(), startedOn: z.string(), endedOn: z.string().optional(), recordedAt: z.string() })),
  eligibilityReconfirmedAt: z.string().nullable(),
  deviations: z
    .array(z.object({ kind: z.string(), at: z.string(), message: z.string() }))
    .describe('deviations of the chain of custody: a stability window or post-thaw limit passed, a shipper out of temperature, an out-of-specification release'),
  lymphodepletion: z.object({ startedAt: z.string(), plan: lymphodepletionPlanSchema, completedAt: z.string().optional() }).nullable(),
  infusion: z.object({ infusedAt: z.string(), cellsPerKg: z.number(), weightKg: z.number(), totalCells: z.number() }).nullable(),
  dltWindow: z.object({ closesAt: z.string(), closedAt: z.string().optional() }).nullable(),
  dlts: z.array(dltRecordSchema),
  adverseEventCount: z.number().int(),
  worstAdverseEventGrade: z.number().int().nullable(),
  labResultCount: z.number().int(),
  labToxicity: labToxicitySchema.describe('toxicity from the labs: CTCAE grades, open AE proposals and ICAHT (README, "Toxicity from the labs")'),
  responses: z.array(z.object({ visit: z.string(), response: z.string(), assessedAt: z.string(), mrdNegative: z.boolean().optional() })),
  unscheduledVisits: z
    .array(z.object({ at: z.string(), reason: z.string() }))
    .describe('visits the schedule does not plan (UNSCHEDULED_VISIT_COMPLETED), each with its reason (README, "Protocol deviations")'),
  progression: z.object({ at: z.string(), kind: z.string(), antigenNegative: z.boolean().optional() }).nullable(),
  offStudy: z.object({ at: z.string(), reason: z.string(), detail: z.string().optional() }).nullable(),
  reconsent: z
    .object({
      consentVersion: z.string(),
      amendment: z.number().int(),
      dueSince: z.string(),
      status: z.enum(['due', 'signed', 'declined']),
      settledAt: z.string().optional(),
      blocks: z.array(z.string()),
      addedVisits: z.array(z.string()),
    })
    .nullable()
    .describe('the re-consent an amendment asked for: `due` until CONSENT_SIGNED with its version or RECONSENT_DECLINED'),
  migrations: z
    .array(z.object({ from: z.number().int(), to: z.number().int(), at: z.string(), fromState: z.string(), toState: z.string() }))
    .describe('each amendment the patient was moved by'),
  rollover: z
    .object({ parentPatientId: z.string(), parentProtocol: z.string(), parentSubjectId: z.string(), rolledOverAt: z.string() })
    .nullable()
    .describe('on a long-term follow-up protocol: the parent trial the patient rolled over from'),
});
export type PatientRecord = z.infer<typeof patientRecordSchema>;

/** `GET /patients/{id}`: the patient, where its machine stands, what it accepts next and its record. */
export const patientSchema = z.strictObject({
  id: z.string(),
  subjectId: z.string(),
  siteId: z.string(),
  protocol: z.string().describe('"id@version"'),
  cohort: z.string().nullable(),
  state: z.string(),
  stateValue: z.unknown().describe("the machine's state value (a name, or an object for nested states); null when the stored snapshot cannot be read"),
  status: z.enum(['active', 'offStudy']),
  version: z.number().int().describe('the optimistic-concurrency version; send it back as If-Match'),
  lastSeq: z.number().int(),
  acceptedEvents: z.array(z.string()).readonly(),
  doseLevel: z.number().int().nullable(),
  chainOfIdentity: z
    .string()
    .nullable()
    .describe('the ISBT 128 chain-of-identity identifier allocated at enrollment (FIN, year, serial, MOD 37-2 check character); null before enrollment'),
  day0: instant.nullable(),
  nextVisits: z.array(visitSchema),
  record: patientRecordSchema,
  registeredAt: instant,
  updatedAt: instant,
  manufacturingSlot: manufacturingSlotSchema
    .nullable()
    .optional()
    .describe('the manufacturing slot (README, "Manufacturing capacity"): on GET /patients/{id} and the answer of an event that took or freed one; null: none'),
  dataIssues: z.array(dataIssueSchema).optional().describe('only when the stored snapshot cannot be read'),
});
export type Patient = z.infer<typeof patientSchema>;

export const patientPageSchema = pageOf(patientSchema);

/** One entry of a patient's append-only, hash-chained event log. */
export const logEntrySchema = z.strictObject({
  seq: z.number().int(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  actor: z.string().describe('`user:<id>` or `system:scheduler`'),
  actorName: z.string().nullable(),
  reason: z.string().nullable(),
  occurredAt: instant,
  recordedAt: instant,
  idempotencyKey: z.string().nullable(),
  signature: signatureRecordSchema.nullable(),
  sealVersion: z.number().int().describe('how the hash seals the entry: 1 before idempotency keys were sealed, 2 since'),
  prevHash: z.string(),
  hash: z.string(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

/** The answer to an event (and to registration's patient): the patient after it, the entry's `seq`, what the protocol computed. */
export const eventAnswerSchema = z.strictObject({
  patient: patientSchema,
  seq: z.number().int(),
  result: z.record(z.string(), z.unknown()).optional().describe('what the protocol computed (an AE grade, a dose plan …)'),
});
export type EventAnswer = z.infer<typeof eventAnswerSchema>;

/**
 * The answer to an event asked for with `Prefer: return=minimal` (RFC 7240): the entry's `seq`, what
 * the protocol computed, and of the patient only what the next request needs (its version for
 * If-Match, its state and status); the whole patient is one GET away.
 */
export const minimalEventAnswerSchema = z.strictObject({
  patient: patientSchema.pick({ id: true, version: true, state: true, status: true }),
  seq: z.number().int(),
  result: z.record(z.string(), z.unknown()).optional().describe('what the protocol computed (an AE grade, a dose plan …)'),
});
export type MinimalEventAnswer = z.infer<typeof minimalEventAnswerSchema>;
