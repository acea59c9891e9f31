import { cd19RrAllV1, mergeScreeningData, type ClinicalEventType, type EligibilityInput, type ScreeningData } from '#protocols';

export interface Cd19ScreeningOverrides {
  /** Merged into the eligible record key by key (`{ labs: { creatinineMgDl: 1.8 } }` keeps the other labs). */
  screening?: ScreeningData;
  /** Replaces the attestations (all of the protocol's, by default). */
  attestations?: string[];
}

/** Screening data and attestations of a patient who meets every CD19 R/R ALL criterion. */
export function eligibleCd19Screening(overrides: Cd19ScreeningOverrides = {}): {
  screening: ScreeningData;
  attestations: string[];
} {
  const screening: ScreeningData = {
    diagnosis: 'B-ALL',
    markers: { CD19: 'positive' },
    ecog: 1,
    karnofsky: 80,
    lifeExpectancyWeeks: 26,
    remissionAchieved: false,
    mrdPositive: true,
    consolidationCycles: 2,
    priorCd19CarT: false,
    contraceptionAgreed: true,
    labs: { creatinineMgDl: 0.9, bilirubinMgDl: 0.8, astXUln: 1.2, altXUln: 1.1, lvef: 0.62 },
    conditions: {
      activeInfection: false,
      seizureHistory: false,
      hepatitisB: false,
      hepatitisC: false,
      hiv: false,
      pregnant: false,
      lactating: false,
    },
  };
  return {
    screening: mergeScreeningData(screening, overrides.screening ?? {}),
    attestations: overrides.attestations ?? Object.keys(cd19RrAllV1.attestations),
  };
}

/** A whole eligibility input for that patient: a 34-year-old woman, assessed on 2026-03-02. */
export function eligibleCd19Input(overrides: Cd19ScreeningOverrides & { patient?: Partial<EligibilityInput['patient']>; asOf?: string } = {}): EligibilityInput {
  return {
    ...eligibleCd19Screening(overrides),
    patient: { birthDate: '1991-07-14', sex: 'female', ...overrides.patient },
    asOf: overrides.asOf ?? '2026-03-02T09:30:00+01:00',
  };
}

/**
 * The events that take an eligible CD19 patient from screening to ready for infusion, each with its
 * study day (relative to a Day 0 the caller picks) and data: for machine and record specs.
 */
export function cd19StepsToInfusion(): Array<[ClinicalEventType, number, Record<string, unknown>]> {
  const { screening, attestations } = eligibleCd19Screening();
  return [
    ['CONSENT_SIGNED', -30, { consentVersion: 'v1' }],
    ['SCREENING_DATA_RECORDED', -29, screening as Record<string, unknown>],
    ['ELIGIBILITY_CONFIRMED', -28, { attestations }],
    ['ENROLLED', -27, {}],
    ['LEUKAPHERESIS_COMPLETED', -26, {}],
    ['PRODUCT_RELEASED', -8, { lot: 'L1' }],
    ['LYMPHODEPLETION_STARTED', -5, {}],
    ['LYMPHODEPLETION_COMPLETED', -3, {}],
  ];
}
