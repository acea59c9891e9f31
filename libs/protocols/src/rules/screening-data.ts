import { z } from 'zod';

/**
 * The conditions sites record as present (`true`) or absent (`false`) at screening. Protocols may
 * record others; these are the ones the shipped protocols ask about.
 */
export const screeningConditions = [
  'activeGvhd',
  'activeInfection',
  /** Active hepatitis B (HBV DNA positive). */
  'hepatitisB',
  /** Active hepatitis C (HCV RNA positive). */
  'hepatitisC',
  'hiv',
  'pregnant',
  /** Lactating (nursing). */
  'lactating',
  'seizureHistory',
  /** Concurrent systemic steroids; inhaled or topical steroids do not count. */
  'systemicSteroids',
  /** Any malignancy other than the one under study, past or present. */
  'priorMalignancy',
  /**
   * Every prior malignancy is a carcinoma in situ of the skin or cervix treated with curative intent
   * and with no evidence of active disease (asked only when `priorMalignancy` is present).
   */
  'priorMalignancyOnlyCuredInSituSkinOrCervix',
  /** Burkitt's leukemia/lymphoma by the WHO classification. */
  'burkittLeukemiaLymphoma',
  /** Chronic myelogenous leukemia in lymphoid blast crisis. */
  'cmlLymphoidBlastCrisis',
  /** Richter's syndrome (transformation of CLL). */
  'richterSyndrome',
  /** Any autoimmune disease. */
  'autoimmuneDisease',
  /** The autoimmune disease is severe (asked only when `autoimmuneDisease` is present). */
  'severeAutoimmuneDisease',
  /** An immune deficiency disease, congenital or acquired. */
  'immunodeficiency',
  /** A disease (other than the malignancy) that needs immunosuppressive therapy. */
  'immunosuppressiveTherapyNeeded',
  /**
   * A severe active infection. An uncomplicated urinary tract infection or bacterial pharyngitis is
   * not counted, nor is prophylactic antibiotic, antiviral or antifungal treatment on its own.
   */
  'severeActiveInfection',
  /** A serious or persistent infection that cannot be effectively controlled. */
  'uncontrolledInfection',
  /** Serious cardiac insufficiency (heart failure). */
  'severeCardiacInsufficiency',
  /** A history of severe damage to pulmonary function. */
  'severePulmonaryDysfunctionHistory',
  /** Syphilis infection. */
  'syphilis',
  /** A history of serious allergy to biological products, antibiotics included. */
  'seriousAllergyToBiologicals',
  /** A pregnancy planned within the next 12 months. */
  'pregnancyPlannedWithin12Months',
  /** A history of serious mental illness. */
  'seriousMentalIllnessHistory',
  /** Substance abuse or addiction. */
  'substanceAbuse',
  /** High-risk disease by the site's risk stratification at diagnosis. */
  'highRiskDisease',
] as const;

export type ScreeningCondition = (typeof screeningConditions)[number];

/**
 * The most markers and conditions a patient's screening record holds, over all its screening
 * events together. The record is a summary a site fills in (a handful of markers such as CD19,
 * CD20, CD22, CD38; the conditions the protocols ask about, 28 today), and it is stored in the
 * patient's snapshot, read on every event and every view of the patient: thousands of keys would
 * slow every one of them. One event beyond the limit is a 400; events that would take the record
 * beyond it are refused (422).
 */
export const SCREENING_RECORD_LIMITS = { markers: 100, conditions: 100 } as const;

const atMostKeys = (limit: number, what: string) => [(record: Record<string, unknown>) => Object.keys(record).length <= limit, `at most ${limit} ${what}`] as const;

/**
 * What a site records at screening (event `SCREENING_DATA_RECORDED`).
 * Every field is optional in one event: screening is recorded piecemeal and later values win.
 */
export const screeningDataSchema = z
  .object({
    diagnosis: z.string().min(1).max(100),
    markers: z.record(z.string().min(1).max(40), z.enum(['positive', 'negative', 'dim', 'unknown'])).refine(...atMostKeys(SCREENING_RECORD_LIMITS.markers, 'markers')),
    ecog: z.number().int().min(0).max(5).meta({ 'x-unit': '{ECOG}' }),
    karnofsky: z.number().int().min(0).max(100).multipleOf(10).meta({ 'x-unit': '%' }),
    lifeExpectancyWeeks: z.number().min(0).max(5200).meta({ 'x-unit': 'wk' }),
    priorCd19CarT: z.boolean(),
    consolidationCycles: z.number().int().min(0).max(50).meta({ 'x-unit': '{cycles}' }),
    /** Disease status after the last line of therapy. */
    remissionAchieved: z.boolean(),
    /** Residual disease (MRD) still detectable. */
    mrdPositive: z.boolean(),
    /** The patient agrees to take effective contraception for the trial's duration. */
    contraceptionAgreed: z.boolean(),
    /**
     * The disease came back after a remission. In leukaemia: a morphological (marrow or blood),
     * extramedullary or minimal residual disease (MRD, molecular) relapse; in lymphoma: disease
     * recurring after a complete response.
     */
    relapsed: z.boolean(),
    /** The disease did not respond to its last line of therapy (primary or secondary refractory). */
    refractory: z.boolean(),
    /** Courses of chemotherapy given so far to bring the disease into remission (induction and re-induction). */
    chemotherapyCourses: z.number().int().min(0).max(50).meta({ 'x-unit': '{courses}' }),
    /** The disease is extramedullary only: no involvement of the bone marrow or the blood. */
    extramedullaryOnly: z.boolean(),
    /** How many assessable (measurable) lesions the extramedullary disease has. */
    assessableLesions: z.number().int().min(0).max(100).meta({ 'x-unit': '{lesions}' }),
    /**
     * The patient has received an investigational gene or cell therapy product other than the CD19
     * CAR-T recorded in `priorCd19CarT` (for example another CAR-T, TCR-T or gene-modified cells).
     * Stem cell transplantation and donor lymphocyte infusion are not counted.
     */
    priorGeneOrCellTherapyOtherThanCd19CarT: z.boolean(),
    /** The patient has ever received an investigational medicinal product (a CAR-T given in a trial included). */
    priorInvestigationalProduct: z.boolean(),
    /** Days from the last dose of an investigational medicinal product to screening. */
    daysSinceInvestigationalProduct: z.number().int().min(0).max(36500).meta({ 'x-unit': 'd' }),
    /** Graft-versus-host disease at screening; record `0` / `'none'` for a patient without GVHD. */
    gvhd: z
      .object({
        /** Acute GVHD grade by Glucksberg: 0 (none) to 4 (IV). */
        acuteGlucksbergGrade: z.number().int().min(0).max(4).meta({ 'x-unit': '{Glucksberg grade}' }),
        /** Acute GVHD severity index by IBMTR: none, or A to D. */
        acuteIbmtrIndex: z.enum(['none', 'A', 'B', 'C', 'D']),
        /** Chronic GVHD: none, limited or extensive. */
        chronic: z.enum(['none', 'limited', 'extensive']),
      })
      .partial()
      .strict(),
    labs: z
      .object({
        creatinineMgDl: z.number().min(0).max(50).meta({ 'x-unit': 'mg/dL' }),
        bilirubinMgDl: z.number().min(0).max(100).meta({ 'x-unit': 'mg/dL' }),
        astXUln: z.number().min(0).max(1000).meta({ 'x-unit': '{× ULN}' }),
        altXUln: z.number().min(0).max(1000).meta({ 'x-unit': '{× ULN}' }),
        /** Left ventricular ejection fraction as a fraction (0.5, not 50). */
        lvef: z.number().min(0).max(1).meta({ 'x-unit': '{fraction}' }),
      })
      .partial()
      .strict(),
    conditions: z
      .record(z.string().min(1).max(60), z.boolean())
      .refine(...atMostKeys(SCREENING_RECORD_LIMITS.conditions, 'conditions'))
      .describe(`Present (true) or absent (false), e.g. ${screeningConditions.join(', ')}`),
  })
  .partial()
  .strict();

export type ScreeningData = z.infer<typeof screeningDataSchema>;

/**
 * Folds one more screening record into what is already known: later values win, and `labs`,
 * `markers`, `conditions` and `gvhd` are merged key by key (recording creatinine keeps the bilirubin).
 * A field given as `undefined` is treated as not given.
 */
export function mergeScreeningData(previous: ScreeningData, next: ScreeningData): ScreeningData {
  const merged: ScreeningData = { ...previous, ...definedOnly(next) };
  if (previous.labs || next.labs) merged.labs = { ...previous.labs, ...definedOnly(next.labs ?? {}) };
  if (previous.markers || next.markers) merged.markers = { ...previous.markers, ...definedOnly(next.markers ?? {}) };
  if (previous.conditions || next.conditions) {
    merged.conditions = { ...previous.conditions, ...definedOnly(next.conditions ?? {}) };
  }
  if (previous.gvhd || next.gvhd) merged.gvhd = { ...previous.gvhd, ...definedOnly(next.gvhd ?? {}) };
  return merged;
}

/**
 * Why one more screening record would take the patient's record past its limits (one sentence per
 * object), or nothing: markers and conditions merge key by key, so the limit is on the merged record.
 */
export function screeningRecordRefusals(previous: ScreeningData, next: ScreeningData): string[] {
  const merged = mergeScreeningData(previous, next);
  return (['markers', 'conditions'] as const).flatMap((key) => {
    const count = Object.keys(merged[key] ?? {}).length;
    const limit = SCREENING_RECORD_LIMITS[key];
    return count > limit ? [`data.${key}: the screening record would hold ${count} ${key}, more than the ${limit} it may hold`] : [];
  });
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
