import { mergeScreeningData, nct04546906V1, type EligibilityInput, type ScreeningData } from '#protocols';

export interface Cd22ScreeningOverrides {
  /** Merged into the eligible record key by key (`{ conditions: { hiv: true } }` keeps the other conditions). */
  screening?: ScreeningData;
  /** Replaces the attestations (all of the protocol's, by default). */
  attestations?: string[];
}

/**
 * Screening data and attestations of a patient who meets every NCT04546906 criterion: CD22+ B-ALL
 * in marrow relapse after chemotherapy (route 1), ECOG 1.
 */
export function eligibleCd22Screening(overrides: Cd22ScreeningOverrides = {}): {
  screening: ScreeningData;
  attestations: string[];
} {
  const screening: ScreeningData = {
    diagnosis: 'B-ALL',
    markers: { CD19: 'positive', CD22: 'positive' },
    relapsed: true,
    remissionAchieved: false,
    chemotherapyCourses: 4,
    extramedullaryOnly: false,
    ecog: 1,
    lifeExpectancyWeeks: 26,
    conditions: {
      severeCardiacInsufficiency: false,
      severePulmonaryDysfunctionHistory: false,
      priorMalignancy: false,
      uncontrolledInfection: false,
      autoimmuneDisease: false,
      immunodeficiency: false,
      hepatitisB: false,
      hepatitisC: false,
      hiv: false,
      syphilis: false,
      seriousAllergyToBiologicals: false,
      pregnant: false,
      lactating: false,
      pregnancyPlannedWithin12Months: false,
      seriousMentalIllnessHistory: false,
      substanceAbuse: false,
    },
  };
  return {
    screening: mergeScreeningData(screening, overrides.screening ?? {}),
    attestations: overrides.attestations ?? Object.keys(nct04546906V1.attestations),
  };
}

/** A whole eligibility input for that patient: a 19-year-old woman, assessed on 2026-03-02. */
export function eligibleCd22Input(overrides: Cd22ScreeningOverrides & { patient?: Partial<EligibilityInput['patient']>; asOf?: string } = {}): EligibilityInput {
  return {
    ...eligibleCd22Screening(overrides),
    patient: { birthDate: '2006-05-30', sex: 'female', ...overrides.patient },
    asOf: overrides.asOf ?? '2026-03-02T09:30:00+08:00',
  };
}
