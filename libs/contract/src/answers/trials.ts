import { z } from 'zod';
import { dataIssueSchema, instant, signatureRecordSchema } from './common';
import { doseEscalationSchema, doseLevelSchema } from './protocols';

const levelTallySchema = z.object({ level: z.number().int(), treated: z.number().int(), dlts: z.number().int() });

/** A dose-escalation decision (or its revision), with the counts that led to it. A patient of another site is counted, never named. */
export const escalationDecisionSchema = z.object({
  index: z.number().int(),
  at: instant,
  patientId: z.string().nullable().describe("null for another site's patient"),
  subjectId: z.string().nullable(),
  seq: z.number().int().nullable(),
  action: z.enum(['escalate', 'stay', 'de-escalate', 'mtd-found', 'stop']),
  fromLevel: z.number().int(),
  toLevel: z.number().int().nullable(),
  mtd: z.number().int().nullable(),
  reason: z.string(),
  tallies: z.array(levelTallySchema).nullable(),
  correctedTallies: z.array(levelTallySchema).optional().describe('the tallies as late data corrected them while the decision still stands'),
  revises: z.number().int().nullable().describe('on a revision: the index of the decision it replaces'),
  cause: z.string().nullable().describe('why a decision was revised'),
  revisedBy: z.number().int().nullable().describe('on a revised decision: the index of its revision'),
  awaiting: z.literal(true).optional().describe('a revision that only waits for the rest of a cohort'),
});
export type EscalationDecisionRecord = z.infer<typeof escalationDecisionSchema>;

export const enrollmentHoldSchema = z.object({
  id: z.number().int(),
  levels: z.array(z.number().int()),
  decision: z.number().int(),
  since: instant,
  reason: z.string(),
  active: z.boolean(),
  released: signatureRecordSchema.nullable(),
});
export type EnrollmentHold = z.infer<typeof enrollmentHoldSchema>;
export type TrialSignature = z.infer<typeof signatureRecordSchema>;

/** The patients a version of the trial has. */
export const trialVersionSchema = z.object({ version: z.number().int(), patients: z.number().int() });
export type TrialVersion = z.infer<typeof trialVersionSchema>;

/** `GET /trials/{protocolId}`: enrollment, the dose level now, per-level counts, decisions, holds, data locks, the MTD, of every version's patients. */
export const trialSchema = z.strictObject({
  protocol: z.string().describe('the protocol id: one trial across its versions'),
  rulesVersion: z.number().int().describe('the version whose trial-level rules (target, dose levels, escalation design) apply: the newest'),
  versions: z.array(trialVersionSchema).describe('the versions with patients (every site), oldest first'),
  title: z.string(),
  status: z.enum(['open', 'mtd-found', 'stopped']),
  enrolled: z.number().int(),
  target: z.number().int(),
  enrollmentOpen: z.boolean(),
  enrollmentClosedReasons: z.array(z.string()),
  doseEscalation: doseEscalationSchema.nullable(),
  currentDoseLevel: z.number().int().nullable(),
  nextPatientDoseLevel: z.number().int().nullable(),
  levels: z.array(doseLevelSchema.extend({ enrolled: z.number().int(), evaluable: z.number().int(), dlts: z.number().int(), dataLockedAt: instant.nullable() })),
  pending: z.array(z.object({ patientId: z.string().nullable(), subjectId: z.string().nullable(), level: z.number().int(), closesAt: instant.nullable() })),
  decisions: z.array(escalationDecisionSchema),
  holds: z.array(enrollmentHoldSchema),
  dataLocks: z.array(z.object({ level: z.number().int(), evaluations: z.number().int(), dlts: z.number().int(), signature: signatureRecordSchema })),
  mtd: z.number().int().nullable(),
  lastInfusionAt: instant.nullable(),
  version: z.number().int(),
  updatedAt: instant,
});
export type Trial = z.infer<typeof trialSchema>;

const ciSchema = z.object({ lower: z.number(), upper: z.number() });
export const proportionSchema = z.object({ successes: z.number().int(), n: z.number().int(), rate: z.number().nullable(), ci: ciSchema.nullable() });
export type Proportion = z.infer<typeof proportionSchema>;

export const survivalPointSchema = z.object({
  time: z.number(),
  atRisk: z.number().int(),
  events: z.number().int(),
  censored: z.number().int(),
  survival: z.number(),
  standardError: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
});
export type SurvivalPoint = z.infer<typeof survivalPointSchema>;

export const kaplanMeierSchema = z.object({
  points: z.array(survivalPointSchema),
  median: z.number().nullable(),
  medianCi: z.object({ lower: z.number().nullable(), upper: z.number().nullable() }),
  n: z.number().int(),
  events: z.number().int(),
});
export type KaplanMeier = z.infer<typeof kaplanMeierSchema>;

export const gradeCountSchema = z.object({ grade: z.number().int(), patients: z.number().int() });
export type GradeCount = z.infer<typeof gradeCountSchema>;

export const kineticsRowSchema = z.object({
  patientId: z.string().nullable().describe('null, with subjectId null, for a patient at a site the caller cannot see'),
  subjectId: z.string().nullable(),
  compartment: z.string(),
  cmax: z.number().nullable(),
  tmax: z.number().nullable(),
  auc: z.number().nullable().describe('AUC 0–28 days (copies/µg DNA × days); null without a sample in the first 28 days'),
  samples: z.number().int().describe('samples in the first 28 days'),
  curve: z.array(z.object({ day: z.number(), value: z.number() })).describe('one CAR_COPIES value per study day, in day order'),
});
export type KineticsRow = z.infer<typeof kineticsRowSchema>;

/** A time in days as CAR-T publications report it: median, range, and the number of patients it is taken over. */
export const medianAndRangeSchema = z.object({
  n: z.number().int().describe('patients with both steps on record'),
  median: z.number().nullable().describe('the mean of the two middle values when n is even; null when n is 0'),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type MedianAndRange = z.infer<typeof medianAndRangeSchema>;

const veinToVeinCountsSchema = z.object({
  apheresed: z.number().int().describe('patients whose cells were collected (LEUKAPHERESIS_COMPLETED)'),
  released: z.number().int().describe('of them, patients with a released product (PRODUCT_RELEASED)'),
  infused: z.number().int().describe('of them, patients infused'),
  manufacturingFailures: z.number().int().describe('of them, patients whose manufacture failed (MANUFACTURING_FAILED)'),
  manufacturingAttempts: z.number().int().describe('manufacturing attempts started (MANUFACTURING_STARTED), the first ones included'),
  remanufactured: z.number().int().describe('patients whose product was made again (REMANUFACTURE_ORDERED)'),
  releasedOutOfSpecification: z.number().int().describe("patients whose product was released out of specification on the investigator's signed justification"),
  rejectedOutOfSpecification: z.number().int().describe('patients whose product was rejected as out of specification and made again'),
  bridged: z.number().int().describe('patients given bridging therapy (BRIDGING_THERAPY_GIVEN)'),
  inManufacturing: z.number().int().describe('apheresed patients on study whose product is neither released nor failed yet'),
  awaitingInfusion: z.number().int().describe('patients on study with a released product not infused yet'),
  apheresisToRelease: medianAndRangeSchema,
  releaseToInfusion: medianAndRangeSchema,
  apheresisToInfusion: medianAndRangeSchema.describe('vein to vein'),
});

export const notInfusedReasonSchema = z.enum(['manufacturing failed', 'died', 'withdrew']);

/** From apheresis to infusion: the times, the manufacturing success rate, and who never received the product and why. */
export const veinToVeinSchema = veinToVeinCountsSchema.extend({
  unit: z.literal('days').describe('whole UTC calendar days from one step to the next, as study days are counted'),
  manufacturingSuccess: proportionSchema.describe('released of apheresed, with the exact 95 % CI; patients still in manufacturing count in the denominator'),
  notInfused: z
    .object({
      patients: z.number().int(),
      byReason: z.array(
        z.object({
          reason: notInfusedReasonSchema,
          patients: z.number().int(),
          afterRelease: z.number().int().describe('of them, patients whose product had been released'),
          texts: z
            .array(z.object({ text: z.string(), patients: z.number().int() }))
            .describe(
              'the words given (failure reason, cause of death, reason for withdrawal), grouped; another site\'s words are counted as "(given at another site)", not shown',
            ),
        }),
      ),
    })
    .describe('apheresed patients who left the study without an infusion'),
  bySite: z
    .array(veinToVeinCountsSchema.extend({ siteId: z.string().nullable().describe('null: the patients of the sites the caller cannot see, pooled'), notInfused: z.number().int() }))
    .describe("the caller's sites by id; the patients of every site the caller cannot see pooled in one row with siteId null"),
});
export type VeinToVein = z.infer<typeof veinToVeinSchema>;

/** The outcomes of the trial or of one cohort: response, survival, safety, kinetics. */
export const outcomeGroupSchema = z.object({
  participants: z.number().int(),
  infused: z.number().int(),
  response: z.object({
    criteria: z.string().describe('ALL, LUGANO_2014, or BY_COHORT where the cohorts differ'),
    criteriaByCohort: z.record(z.string(), z.string()).optional(),
    objectiveResponses: z.array(z.string()),
    orr: proportionSchema,
    mrdNegativeOrr: proportionSchema,
    dcr: proportionSchema.optional(),
    bestResponse: z.array(z.object({ response: z.string(), patients: z.number().int() })),
    landmarks: z
      .array(
        z.object({
          visit: z.string(),
          day: z.number().int().describe('the landmark: days from infusion'),
          measure: z.string().describe("the record's measure, in its words"),
          mrdNegative: z.boolean().optional().describe('only MRD-negative responses count'),
          rate: proportionSchema.describe('responders at the landmark of the evaluable: assessed there, or progressed, relapsed or died by then'),
          notYetDue: z.number().int().describe('infused patients whose landmark window has not closed yet and who are not assessed there'),
          notAssessed: z.number().int().describe('infused patients with no assessment at the landmark after its window closed, and no event before it'),
        }),
      )
      .describe('response at the time points the trial record names, beside the best response to date (docs/clinical.md, "Landmark rates")'),
  }),
  survival: z.object({
    unit: z.string(),
    os: kaplanMeierSchema.nullable(),
    pfs: kaplanMeierSchema.nullable(),
    efs: kaplanMeierSchema.nullable(),
    dor: kaplanMeierSchema.nullable(),
  }),
  safety: z.object({
    /** The patients infused: the denominator of the safety figures. */
    treated: z.number().int(),
    participantsWithGrade3OrWorse: z.number().int(),
    adverseEventsByTerm: z.array(z.object({ term: z.string(), byWorstGrade: z.array(gradeCountSchema) })),
    crsByGrade: z.array(gradeCountSchema),
    icansByGrade: z.array(gradeCountSchema),
    icaht: z
      .object({
        patientsWithAnc: z.number().int().describe('infused patients with at least one ANC in peripheral blood'),
        earlyByGrade: z.array(gradeCountSchema).describe('early ICAHT (day 0–30), grades 1–4, as the samples prove it'),
        lateByGrade: z.array(gradeCountSchema).describe('late ICAHT (after day 30), grades 1–4'),
      })
      .describe('ICAHT (EHA/EBMT consensus, Rejeski et al., Blood 2023) from the ANC series'),
  }),
  kinetics: z.object({
    perPatient: z.array(kineticsRowSchema),
    summary: z.array(
      z.object({
        compartment: z.string(),
        patients: z.number().int().describe('the patients the medians are taken over: those with a sample in the first 28 days'),
        withoutSamples: z.number().int().describe('patients with CAR copies measured only after day 28: listed, not in the medians'),
        medianCmax: z.number().nullable(),
        medianTmax: z.number().nullable(),
        medianAuc0to28: z.number().nullable(),
      }),
    ),
    cytokinePeaks: z.array(
      z.object({
        code: z.string(),
        patients: z.number().int(),
        medianPeak: z.number().nullable(),
        peaks: z.array(z.object({ patientId: z.string().nullable(), subjectId: z.string().nullable(), peak: z.number(), day: z.number(), unit: z.string() })),
      }),
    ),
  }),
  veinToVein: veinToVeinSchema,
});
export type OutcomeGroup = z.infer<typeof outcomeGroupSchema>;

/** `GET /trials/{protocolId}/outcomes`: for the trial and per cohort, as of `asOf`, of every version's patients or one version's. */
export const outcomesSchema = outcomeGroupSchema.extend({
  protocol: z.string().describe('the protocol id'),
  version: z.number().int().nullable().describe('the version the outcomes are cut to; null for every version'),
  versions: z.array(trialVersionSchema).describe('the versions whose patients are counted here, with how many each'),
  asOf: instant,
  cohorts: z.array(outcomeGroupSchema.extend({ cohort: z.string() })),
  dataIssues: z.array(dataIssueSchema).describe('stored records left out of these outcomes'),
});
export type Outcomes = z.infer<typeof outcomesSchema>;
