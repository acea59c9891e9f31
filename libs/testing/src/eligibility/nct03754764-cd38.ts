import { mergeScreeningData, nct03754764V1, type EligibilityInput, type ScreeningData } from '#protocols';

export interface Cd38ScreeningOverrides {
  /** Merged into the eligible record key by key (`{ gvhd: { chronic: 'extensive' } }` keeps the acute grade). */
  screening?: ScreeningData;
  /** Replaces the attestations (all of the protocol's, by default). */
  attestations?: string[];
}

/**
 * Screening data and attestations of a patient who meets every NCT03754764 criterion: CD38+ B-ALL
 * relapsed after a CD19 CAR-T given in a trial 90 days before screening, after an allogeneic
 * transplant with limited chronic GVHD.
 */
export function eligibleCd38Screening(overrides: Cd38ScreeningOverrides = {}): {
  screening: ScreeningData;
  attestations: string[];
} {
  const screening: ScreeningData = {
    diagnosis: 'B-ALL',
    markers: { CD19: 'negative', CD38: 'positive' },
    relapsed: true,
    priorCd19CarT: true,
    priorGeneOrCellTherapyOtherThanCd19CarT: false,
    priorInvestigationalProduct: true,
    daysSinceInvestigationalProduct: 90,
    ecog: 1,
    lifeExpectancyWeeks: 20,
    labs: { creatinineMgDl: 0.8, bilirubinMgDl: 0.7, astXUln: 1.1, altXUln: 1.3, lvef: 0.6 },
    gvhd: { acuteGlucksbergGrade: 1, acuteIbmtrIndex: 'A', chronic: 'limited' },
    conditions: {
      priorMalignancy: false,
      burkittLeukemiaLymphoma: false,
      cmlLymphoidBlastCrisis: false,
      richterSyndrome: false,
      autoimmuneDisease: false,
      immunodeficiency: false,
      immunosuppressiveTherapyNeeded: false,
      severeActiveInfection: false,
      hepatitisB: false,
      hepatitisC: false,
      hiv: false,
      systemicSteroids: false,
      pregnant: false,
      lactating: false,
    },
  };
  return {
    screening: mergeScreeningData(screening, overrides.screening ?? {}),
    attestations: overrides.attestations ?? Object.keys(nct03754764V1.attestations),
  };
}

/** A whole eligibility input for that patient: a 28-year-old woman, assessed on 2026-03-02. */
export function eligibleCd38Input(overrides: Cd38ScreeningOverrides & { patient?: Partial<EligibilityInput['patient']>; asOf?: string } = {}): EligibilityInput {
  return {
    ...eligibleCd38Screening(overrides),
    patient: { birthDate: '1997-10-21', sex: 'female', ...overrides.patient },
    asOf: overrides.asOf ?? '2026-03-02T09:30:00+08:00',
  };
}
