import { eligibleCd20Cd22Screening } from '#testing';
import { performanceStatus, withoutAttestation, type ScreeningProfile } from '../clinical/screening';
import type { TrialProfile } from './profile';

type Cohort = 'B-ALL' | 'B-NHL';
const cohortOf = (cohort: string | null): Cohort => (cohort === 'B-NHL' ? 'B-NHL' : 'B-ALL');

/** CD20/CD22 dual CAR-T: relapsed or refractory CD20+ CD22+ B-ALL (younger) or B-NHL (older). */
const screening: ScreeningProfile = {
  ages: (cohort) => (cohortOf(cohort) === 'B-NHL' ? [30, 75] : [18, 65]),
  eligible(rng, cohort) {
    const performance = performanceStatus(rng, 2);
    const relapsed = rng.chance(cohortOf(cohort) === 'B-ALL' ? 0.7 : 0.4);
    return eligibleCd20Cd22Screening(cohortOf(cohort), {
      screening: { relapsed, refractory: !relapsed, ...performance },
    });
  },
  ineligibilities: [
    { finding: 'CD20-negative disease', apply: (c) => void (c.screening.markers = { ...c.screening.markers, CD20: 'negative' }) },
    { finding: 'CD22 dim by flow cytometry', apply: (c) => void (c.screening.markers = { ...c.screening.markers, CD22: 'dim' }) },
    {
      finding: 'neither relapsed nor refractory (first-line disease)',
      apply: (c) => void Object.assign(c.screening, { relapsed: false, refractory: false }),
    },
    {
      finding: 'general condition too poor for CAR-T therapy (ECOG 4)',
      apply: (c) => {
        Object.assign(c.screening, { ecog: 4, karnofsky: 30 });
        withoutAttestation(c, 'estimated-survival-and-fitness');
      },
    },
  ],
};

export const cd20Cd22Profile: TrialProfile = {
  protocolId: 'cd20-cd22',
  screening,
  toxicityByLevel: [0.3],
  responseByLevel: [0.75],
  transplantShare: 0.1,
  targetAntigen: 'CD22',
};
