import { z } from 'zod';

/**
 * The conditions sites record as present (`true`) or absent (`false`) at screening. Protocols may
 * record others; these are the ones the shipped protocols ask about.
 */
export const screeningConditions = [
  'activeGvhd',
  'activeInfection',
  'hepatitisB',
  'hepatitisC',
  'hiv',
  'pregnant',
  'lactating',
  'seizureHistory',
  'systemicSteroids',
  'priorMalignancy',
] as const;

export type ScreeningCondition = (typeof screeningConditions)[number];

/**
 * What a site records at screening (event `SCREENING_DATA_RECORDED`).
 * Every field is optional in one event: screening is recorded piecemeal and later values win.
 */
export const screeningDataSchema = z
  .object({
    diagnosis: z.string().min(1).max(100),
    markers: z.record(z.string().min(1).max(40), z.enum(['positive', 'negative', 'dim', 'unknown'])),
    ecog: z.number().int().min(0).max(5),
    karnofsky: z.number().int().min(0).max(100).multipleOf(10),
    lifeExpectancyWeeks: z.number().min(0).max(5200),
    priorCd19CarT: z.boolean(),
    consolidationCycles: z.number().int().min(0).max(50),
    /** Disease status after the last line of therapy. */
    remissionAchieved: z.boolean(),
    /** Residual disease (MRD) still detectable. */
    mrdPositive: z.boolean(),
    /** The patient agrees to take effective contraception for the trial's duration. */
    contraceptionAgreed: z.boolean(),
    labs: z
      .object({
        creatinineMgDl: z.number().min(0).max(50),
        bilirubinMgDl: z.number().min(0).max(100),
        astXUln: z.number().min(0).max(1000),
        altXUln: z.number().min(0).max(1000),
        /** Left ventricular ejection fraction as a fraction (0.5, not 50). */
        lvef: z.number().min(0).max(1),
      })
      .partial()
      .strict(),
    conditions: z
      .record(z.string().min(1).max(60), z.boolean())
      .describe(`Present (true) or absent (false), e.g. ${screeningConditions.join(', ')}`),
  })
  .partial()
  .strict();

export type ScreeningData = z.infer<typeof screeningDataSchema>;

/**
 * Folds one more screening record into what is already known: later values win, and `labs`,
 * `markers` and `conditions` are merged key by key (recording creatinine keeps the bilirubin).
 * A field given as `undefined` is treated as not given.
 */
export function mergeScreeningData(previous: ScreeningData, next: ScreeningData): ScreeningData {
  const merged: ScreeningData = { ...previous, ...definedOnly(next) };
  if (previous.labs || next.labs) merged.labs = { ...previous.labs, ...definedOnly(next.labs ?? {}) };
  if (previous.markers || next.markers) merged.markers = { ...previous.markers, ...definedOnly(next.markers ?? {}) };
  if (previous.conditions || next.conditions) {
    merged.conditions = { ...previous.conditions, ...definedOnly(next.conditions ?? {}) };
  }
  return merged;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
