import { chainOfIdentityId, cd19RrAllV1, mergeScreeningData, type ClinicalEventType, type EligibilityInput, type ScreeningData } from '#protocols';

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

/** The chain-of-identity identifier the machine and record specs' patient is enrolled with (as the engine would allocate it). */
export const SPEC_PATIENT_COI = chainOfIdentityId('W1234', '2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000001');

/**
 * The events that take an eligible CD19 patient from screening to ready for infusion, each with its
 * study day (relative to a Day 0 the caller picks) and data: for machine and record specs. The chain
 * of custody runs from the collection to the thaw, on Day 0 (the caller infuses then).
 */
export function cd19StepsToInfusion(): Array<[ClinicalEventType, number, Record<string, unknown>]> {
  const { screening, attestations } = eligibleCd19Screening();
  const coi = SPEC_PATIENT_COI;
  const people = { handedOverBy: 'A', receivedBy: 'B' };
  return [
    ['CONSENT_SIGNED', -30, { consentVersion: 'v1' }],
    ['SCREENING_DATA_RECORDED', -29, screening as Record<string, unknown>],
    ['ELIGIBILITY_CONFIRMED', -28, { attestations }],
    ['ENROLLED', -27, { doseLevel: 1, coi }],
    ['LEUKAPHERESIS_COMPLETED', -26, { bagId: 'APH-1', volumeMl: 220, totalNucleatedCells: 1.2e10, collectedBy: 'Nurse', location: 'Apheresis unit' }],
    ['APHERESIS_SHIPPED', -26, { coi, ...people, location: 'Apheresis unit', courier: 'Courier', shipperId: 'DS-1', temperatureLogRef: 'TL-1' }],
    ['APHERESIS_RECEIVED', -25, { coi, ...people, location: 'Manufacturing site', temperatureInRange: true }],
    ['MANUFACTURING_STARTED', -25, { coi, batchId: 'B-1', location: 'Manufacturing site' }],
    [
      'PRODUCT_RELEASED',
      -8,
      { lot: 'L1', coi, results: { viabilityPct: 90, carPositivePct: 40, viableCarTCells: 5e9, sterility: 'noGrowth', mycoplasma: 'notDetected', endotoxinEuPerKg: 0.5 } },
    ],
    ['PRODUCT_SHIPPED', -7, { coi, ...people, location: 'Manufacturing site', courier: 'Courier', shipperId: 'DS-2', temperatureLogRef: 'TL-2' }],
    ['PRODUCT_RECEIVED', -6, { coi, ...people, location: 'Cell therapy lab', temperatureInRange: true }],
    ['LYMPHODEPLETION_STARTED', -5, {}],
    ['LYMPHODEPLETION_COMPLETED', -3, {}],
    ['PRODUCT_THAWED', 0, { coi, thawedBy: 'Cell therapy lab', location: 'Bedside' }],
  ];
}
