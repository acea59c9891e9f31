import { cd20Cd22V1, mergeScreeningData, type Cd20Cd22Cohort, type EligibilityInput, type ScreeningData } from '#protocols';

export interface Cd20Cd22ScreeningOverrides {
  /** Merged into the eligible record key by key (`{ markers: { CD20: 'dim' } }` keeps CD22). */
  screening?: ScreeningData;
  /** Replaces the attestations (all of the protocol's, by default). */
  attestations?: string[];
}

/**
 * Screening data and attestations of a patient who meets every CD20/CD22 criterion, in the given
 * cohort: relapsed CD20+ CD22+ B-ALL, or refractory CD20+ CD22+ B-NHL.
 */
export function eligibleCd20Cd22Screening(cohort: Cd20Cd22Cohort, overrides: Cd20Cd22ScreeningOverrides = {}): { screening: ScreeningData; attestations: string[] } {
  const disease: ScreeningData = cohort === 'B-ALL' ? { relapsed: true, refractory: false } : { relapsed: false, refractory: true };
  const screening: ScreeningData = {
    diagnosis: cohort,
    markers: { CD19: 'positive', CD20: 'positive', CD22: 'positive' },
    ...disease,
    ecog: 1,
  };
  return {
    screening: mergeScreeningData(screening, overrides.screening ?? {}),
    attestations: overrides.attestations ?? Object.keys(cd20Cd22V1.attestations),
  };
}

/** A whole eligibility input for that patient: a 45-year-old man, assessed on 2026-03-02. */
export function eligibleCd20Cd22Input(
  cohort: Cd20Cd22Cohort,
  overrides: Cd20Cd22ScreeningOverrides & { patient?: Partial<EligibilityInput['patient']>; asOf?: string } = {},
): EligibilityInput {
  return {
    ...eligibleCd20Cd22Screening(cohort, overrides),
    patient: { birthDate: '1980-11-09', sex: 'male', ...overrides.patient },
    asOf: overrides.asOf ?? '2026-03-02T09:30:00+08:00',
  };
}
