import { z } from 'zod';
import type { ClinicalEventType } from './policy/vocabulary';
import { DEVIATION_CATEGORIES, DEVIATION_SEVERITIES, RESPONSE_VALUES } from './policy/values';
import { adverseEventReportSchema } from './rules/ctcae';
import { clinicalDateOrDateTime } from './rules/clinical-dates';
import { labResultProblems } from './rules/lab-results';
import { bodySizePairProblem, heightCmSchema, weightKgSchema } from './rules/body-size';
import { lesionDiameterCm, lesionMeasurementShape, shortestNotAboveLongest } from './rules/lugano-response';

export * from './policy/vocabulary';

/**
 * The event a patient machine receives. `occurredAt` is clinical time (ISO 8601), given by the
 * caller or, for a timer, the moment it fell due; machines never read a clock.
 */
export interface ClinicalEvent<TData = Record<string, unknown>> {
  type: ClinicalEventType;
  occurredAt: string;
  data: TData;
}

const shortText = z.string().trim().min(1).max(500);

/**
 * An AE report: a CTCAE grade, or the CRS or ICANS findings the grade is computed from (rules/ctcae.ts),
 * its onset and resolution dated 1900 or later.
 */
export const adverseEventDataSchema = adverseEventReportSchema.superRefine((report, ctx) => {
  for (const field of ['onset', 'improvedToGrade1At', 'resolvedAt'] as const) {
    const at = report[field];
    if (at === undefined) continue;
    const dated = clinicalDateOrDateTime.safeParse(at);
    if (!dated.success) ctx.addIssue({ code: 'custom', path: [field], message: dated.error.issues[0]?.message ?? 'not a clinical date' });
  }
});

/** A lab result: a listed code in one of its units and within its physical bounds (rules/lab-results.ts), or an unlisted code as sent. */
export const labResultDataSchema = z
  .object({
    code: z.string().trim().min(1).max(40),
    compartment: z.enum(['PB', 'BM', 'LN', 'CSF']).optional(),
    value: z.number().finite().meta({ 'x-unit': 'given in unit' }),
    unit: z.string().trim().min(1).max(40),
    collectedAt: clinicalDateOrDateTime,
    /** The lab's reference range for this result, in the result's unit: CTCAE grades against its LLN and ULN (rules/ctcae-labs.ts). */
    referenceRange: z
      .object({
        low: z.number().finite().min(0).meta({ 'x-unit': 'given in unit' }).optional(),
        high: z.number().finite().positive().meta({ 'x-unit': 'given in unit' }).optional(),
      })
      .strict()
      .refine((range) => range.low === undefined || range.high === undefined || range.low < range.high, {
        message: 'the reference range must have its low limit below its high limit',
      })
      .optional(),
  })
  .strict()
  .superRefine((result, ctx) => {
    for (const problem of labResultProblems(result)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  });

/**
 * A target lesion on CT (Lugano 2014): its longest and shortest diameters now and, once, at
 * baseline. The engine keeps each lesion's measurements and judges progression from its nadir.
 */
export const lesionDataSchema = z
  .object({ ...lesionMeasurementShape, baselineLdiCm: lesionDiameterCm.optional(), baselineSdiCm: lesionDiameterCm.optional() })
  .strict()
  .refine(...shortestNotAboveLongest)
  .refine((lesion) => (lesion.baselineLdiCm === undefined) === (lesion.baselineSdiCm === undefined), {
    message: 'give both baseline diameters (baselineLdiCm and baselineSdiCm) or neither',
    path: ['baselineSdiCm'],
  })
  .refine((lesion) => lesion.baselineSdiCm === undefined || lesion.baselineLdiCm === undefined || lesion.baselineSdiCm <= lesion.baselineLdiCm, {
    message: 'the shortest baseline diameter (baselineSdiCm) cannot exceed the longest (baselineLdiCm)',
    path: ['baselineSdiCm'],
  });

/** The units a blood count may be given in on a response assessment: ×10⁹/L (the engine's) or cells per µL (1 ×10⁹/L = 1000/µL). */
export const COUNT_UNITS = ['10^9/L', '/uL'] as const;
export type CountUnit = (typeof COUNT_UNITS)[number];
/** The most a count can be, in ×10⁹/L: beyond it the unit was misread (an ANC of 800 ×10⁹/L is 800/µL typed in the wrong unit). */
const COUNT_MAXIMA = { anc: 100, platelets: 5000 } as const;

/** A response assessment's count in ×10⁹/L, whichever unit it was given in. */
export const countsIn109PerL = (value: number, unit: CountUnit | undefined): number => (unit === '/uL' ? value / 1000 : value);

export const responseAssessedDataSchema = z
  .object({
    visit: z.string().trim().min(1).max(20),
    response: z.enum(RESPONSE_VALUES).optional(),
    marrowBlastsPct: z.number().min(0).max(100).meta({ 'x-unit': '%' }).optional(),
    circulatingBlasts: z.boolean().optional(),
    extramedullary: z.boolean().optional(),
    // Counts in the unit the lab reports them in, said explicitly (countsUnit), converted to ×10⁹/L by the record (countsIn109PerL).
    anc: z.number().min(0).meta({ 'x-unit': 'given in countsUnit (10^9/L or /uL)' }).optional(),
    platelets: z.number().min(0).meta({ 'x-unit': 'given in countsUnit (10^9/L or /uL)' }).optional(),
    countsUnit: z.enum(COUNT_UNITS).optional(),
    mrdPct: z.number().min(0).max(100).meta({ 'x-unit': '%' }).optional(),
    // Lugano 2014 findings (B-NHL): docs/api.md's `spdChangePct` (section "The event vocabulary") is the SPD change from baseline.
    deauville: z.number().int().min(1).max(5).meta({ 'x-unit': '{Deauville score}' }).optional(),
    spdChangePct: z.number().min(-100).max(10_000).meta({ 'x-unit': '%' }).optional(),
    spdChangeFromNadirPct: z.number().min(-100).max(10_000).meta({ 'x-unit': '%' }).optional(),
    lesions: z.array(lesionDataSchema).min(1).max(20).optional(),
    newLesion: z.boolean().optional(),
    uptakeReducedFromBaseline: z.boolean().optional(),
    uptakeIncreasedFromBaseline: z.boolean().optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.anc === undefined && d.platelets === undefined) return;
    if (d.countsUnit === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['countsUnit'],
        message: `the unit of anc and platelets is required, never guessed: '10^9/L' (ANC 0.8, platelets 150) or '/uL' (ANC 800, platelets 150000)`,
      });
      return;
    }
    for (const field of ['anc', 'platelets'] as const) {
      const value = d[field];
      const max = COUNT_MAXIMA[field] * (d.countsUnit === '/uL' ? 1000 : 1);
      if (value !== undefined && value > max) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} ${value} ${d.countsUnit} is beyond any plausible count (at most ${max} ${d.countsUnit}): is the unit right?`,
        });
      }
    }
  });

const empty = z.object({}).strict();

/** A deviation the site records by hand: when it happened is the event's `occurredAt`. */
export const protocolDeviationSchema = z
  .object({
    category: z.enum(DEVIATION_CATEGORIES),
    severity: z.enum(DEVIATION_SEVERITIES),
    description: shortText,
    /** The protocol's rule that was not followed (its section, or the rule in words). */
    rule: z.string().trim().min(1).max(200),
  })
  .strict();

/** What a follow-up visit found new since the last (the visit's `findings` in the protocol say which it must record). */
export const visitFindingsSchema = z
  .object({
    newMalignancy: z.boolean().optional(),
    newNeurologicalDisorder: z.boolean().optional(),
    newRheumatologicalOrAutoimmuneDisorder: z.boolean().optional(),
    newHaematologicalDisorder: z.boolean().optional(),
    seriousInfection: z.boolean().optional(),
    details: shortText.optional(),
  })
  .strict();

/**
 * The bedside check of the product bag (docs/design.md, section "Chain of identity"): the
 * chain-of-identity identifier read off the bag. The engine requires it on every infusion it
 * records, checks it against the patient's and adds who verified it (`verifiedBy`); optional here
 * because infusions recorded before it have none.
 */
export const bedsideCheckSchema = z.object({ bagCoi: z.string().trim().min(1).max(40) }).strict();

const person = z.string().trim().min(1).max(120);
const place = z.string().trim().min(1).max(200);
/** A bag's chain-of-identity identifier as read off it: checked against the patient's by the protocol's refusals. */
const bagCoi = z.string().trim().min(1).max(40);
const reference = z.string().trim().min(1).max(80);

/**
 * A hand-off of the chain of custody (docs/design.md, section "Chain of custody"): the bag's
 * identifier, who handed it over and who received it, and where; when is the event's `occurredAt`.
 */
const handOff = { coi: bagCoi, handedOverBy: person, receivedBy: person, location: place };
/** A shipment: the courier, the shipper (the dry shipper or box) and the reference of its temperature log. */
const shipment = { ...handOff, courier: person, shipperId: reference, temperatureLogRef: reference };

/**
 * The apheresis collection as the chain of custody starts it: the bag, its volume and cell counts,
 * where and by whom. Optional here because collections recorded before custody was tracked have
 * none; the protocol's refusals require them on every new one.
 */
export const collectionSchema = z
  .object({
    bagId: reference.optional(),
    volumeMl: z.number().finite().min(10).max(1000).meta({ 'x-unit': 'mL' }).optional(),
    /** Total nucleated cells in the bag. */
    totalNucleatedCells: z.number().finite().min(1e7).max(1e12).meta({ 'x-unit': '{cells}' }).optional(),
    cd3Cells: z.number().finite().min(1e6).max(1e12).meta({ 'x-unit': '{cells}' }).optional(),
    collectedBy: person.optional(),
    location: place.optional(),
  })
  .strict()
  .refine((c) => c.cd3Cells === undefined || c.totalNucleatedCells === undefined || c.cd3Cells <= c.totalNucleatedCells, {
    message: 'CD3+ cells (cd3Cells) cannot outnumber the total nucleated cells (totalNucleatedCells)',
    path: ['cd3Cells'],
  });

/** Release testing as the manufacturing site reports it (rules/custody.ts, `ReleaseResults`). */
export const releaseResultsSchema = z
  .object({
    viabilityPct: z.number().finite().min(0).max(100).meta({ 'x-unit': '%' }),
    carPositivePct: z.number().finite().min(0).max(100).meta({ 'x-unit': '%' }),
    viableCarTCells: z.number().finite().positive().max(1e12).meta({ 'x-unit': '{cells}' }),
    sterility: z.enum(['noGrowth', 'growth']),
    mycoplasma: z.enum(['notDetected', 'detected']),
    endotoxinEuPerKg: z.number().finite().min(0).max(1000).meta({ 'x-unit': '[EU]/kg' }),
  })
  .strict();

const infusionDataSchema = z
  .object({ cellsPerKg: z.number().positive().finite().meta({ 'x-unit': '{cells}/kg' }), weightKg: weightKgSchema.optional(), bedsideCheck: bedsideCheckSchema.optional() })
  .strict();

/** Payload schemas every protocol starts from (docs/api.md, section "The event vocabulary"); a protocol may tighten or extend them. */
export const baseEventDataSchemas = {
  CONSENT_SIGNED: z.object({ consentVersion: z.string().trim().min(1).max(40) }).strict(),
  RECONSENT_DECLINED: z.object({ consentVersion: z.string().trim().min(1).max(40), reason: shortText.optional() }).strict(),
  ELIGIBILITY_CONFIRMED: z.object({ attestations: z.array(z.string().min(1).max(80)).max(50).optional() }).strict(),
  SCREEN_FAILED: z.object({ reason: shortText }).strict(),
  ENROLLED: empty,
  LEUKAPHERESIS_COMPLETED: collectionSchema,
  APHERESIS_SHIPPED: z.object(shipment).strict(),
  /** `temperatureInRange` false (the shipper's log out of its range) is kept as a deviation. */
  APHERESIS_RECEIVED: z.object({ ...handOff, temperatureInRange: z.boolean() }).strict(),
  MANUFACTURING_STARTED: z.object({ coi: bagCoi, batchId: reference, location: place }).strict(),
  /**
   * The product released with its release testing (the protocol's refusals require `coi` and
   * `results`; optional here because releases recorded before custody was tracked have neither).
   * `outOfSpecification`: the investigator's signed justification for releasing a product that
   * misses a criterion the protocol lets be waived.
   */
  PRODUCT_RELEASED: z
    .object({
      lot: z.string().trim().min(1).max(60).optional(),
      coi: bagCoi.optional(),
      results: releaseResultsSchema.optional(),
      outOfSpecification: z.object({ justification: shortText }).strict().optional(),
    })
    .strict(),
  /** The investigator orders the product made again: from cells the manufacturing site retained, or from a new apheresis. */
  REMANUFACTURE_ORDERED: z
    .object({
      cause: z.enum(['manufacturingFailure', 'outOfSpecification', 'productCompromised']),
      source: z.enum(['retainedCells', 'newApheresis']),
      reason: shortText,
    })
    .strict(),
  MANUFACTURING_FAILED: z.object({ reason: shortText }).strict(),
  /** Therapy given to hold the disease while the product is made (ASTCT; FDA CAR T guidance, 2024): the regimen and its dates. */
  BRIDGING_THERAPY_GIVEN: z.object({ regimen: shortText, startedOn: clinicalDateOrDateTime, endedOn: clinicalDateOrDateTime.optional() }).strict(),
  PRODUCT_SHIPPED: z.object(shipment).strict(),
  PRODUCT_RECEIVED: z.object({ ...handOff, temperatureInRange: z.boolean() }).strict(),
  /** Where the product is kept until the thaw (a liquid-nitrogen freezer's name and position). */
  PRODUCT_STORED: z.object({ coi: bagCoi, storedBy: person, location: place }).strict(),
  ELIGIBILITY_RECONFIRMED: z.object({ note: shortText.optional() }).strict(),
  PRODUCT_THAWED: z.object({ coi: bagCoi, thawedBy: person, location: place }).strict(),
  /** Height and weight on the day (else the registered ones), each within a person's bounds (rules/body-size.ts). */
  LYMPHODEPLETION_STARTED: z
    .object({ weightKg: weightKgSchema.optional(), heightCm: heightCmSchema.optional() })
    .strict()
    .superRefine((body, ctx) => {
      const problem = bodySizePairProblem(body.heightCm, body.weightKg);
      if (problem) ctx.addIssue({ code: 'custom', path: ['weightKg'], message: problem });
    }),
  LYMPHODEPLETION_COMPLETED: empty,
  INFUSION_COMPLETED: infusionDataSchema,
  /** A second infusion, where the protocol allows one (its `secondInfusion`): the dose and the bedside check, as the first. */
  SECOND_INFUSION_COMPLETED: infusionDataSchema,
  ADVERSE_EVENT_REPORTED: adverseEventDataSchema,
  /** The investigator's call on whether a reported AE (named by term and onset) is dose-limiting. */
  DLT_ADJUDICATED: z
    .object({
      term: z.string().trim().min(1).max(200),
      onset: clinicalDateOrDateTime,
      dlt: z.boolean(),
      rationale: shortText,
    })
    .strict(),
  LAB_RESULT_RECORDED: labResultDataSchema,
  /** The investigator dismisses a lab toxicity proposal (named by its id) as not an adverse event, saying why. */
  LAB_TOXICITY_DISMISSED: z.object({ proposal: z.string().trim().min(1).max(80), reason: shortText }).strict(),
  RESPONSE_ASSESSED: responseAssessedDataSchema,
  VISIT_COMPLETED: z.object({ visit: z.string().trim().min(1).max(20), findings: visitFindingsSchema.optional() }).strict(),
  /** A visit the schedule does not plan, with why it took place; when is the event's `occurredAt`. */
  UNSCHEDULED_VISIT_COMPLETED: z.object({ reason: shortText, findings: visitFindingsSchema.optional() }).strict(),
  PROTOCOL_DEVIATION_RECORDED: protocolDeviationSchema,
  PROGRESSION_OR_RELAPSE: z
    .object({
      kind: z.enum(['morphologic', 'mrd', 'extramedullary', 'progression']),
      antigenNegative: z.boolean().optional(),
    })
    .strict(),
  DEATH: z.object({ cause: shortText }).strict(),
  WITHDRAWN: z.object({ reason: shortText }).strict(),
  LOST_TO_FOLLOW_UP: empty,
  VISIT_REMINDER: z.object({ visit: z.string() }).strict(),
  VISIT_WINDOW_CLOSING: z.object({ visit: z.string() }).strict(),
  VISIT_MISSED: z.object({ visit: z.string() }).strict(),
  DLT_WINDOW_ENDING: empty,
  DLT_WINDOW_CLOSED: empty,
  FOLLOW_UP_ENDED: empty,
  APHERESIS_STABILITY_EXCEEDED: empty,
  POST_THAW_LIMIT_EXCEEDED: empty,
} satisfies Record<Exclude<ClinicalEventType, 'SCREENING_DATA_RECORDED'>, z.ZodType>;
