import { type ScreeningData } from '#protocols';
import { eligibleCd22Screening } from '#testing';
import { performanceStatus, shortSurvival, type ScreeningProfile } from '../clinical/screening';
import type { TrialProfile } from './profile';

/** NCT04546906: CD22+ B-ALL, relapsed (route 1) or not in remission after 3 or more courses (route 2). */
const screening: ScreeningProfile = {
  ages: () => [14, 65],
  eligible(rng) {
    const disease: ScreeningData = rng.chance(0.7)
      ? { relapsed: true, remissionAchieved: false, chemotherapyCourses: rng.int(2, 6) }
      : { relapsed: false, remissionAchieved: false, chemotherapyCourses: rng.int(3, 5) };
    return eligibleCd22Screening({
      screening: {
        ...disease,
        markers: {
          CD22: 'positive',
          CD19: rng.weighted([
            ['positive', 0.6],
            ['negative', 0.4],
          ] as const),
        },
        ...performanceStatus(rng, 2),
        lifeExpectancyWeeks: rng.int(16, 52),
      },
    });
  },
  ineligibilities: [
    { finding: 'CD22 dim by flow cytometry', apply: (c) => void (c.screening.markers = { ...c.screening.markers, CD22: 'dim' }) },
    { finding: 'ECOG 3', apply: (c) => void Object.assign(c.screening, { ecog: 3, karnofsky: 50 }) },
    { finding: 'infection not controlled', apply: (c) => void (c.screening.conditions!.uncontrolledInfection = true) },
    { finding: 'active hepatitis B (HBV DNA positive)', apply: (c) => void (c.screening.conditions!.hepatitisB = true) },
    { finding: 'another malignant tumour', apply: (c) => void (c.screening.conditions!.priorMalignancy = true) },
    { finding: 'serious cardiac insufficiency', apply: (c) => void (c.screening.conditions!.severeCardiacInsufficiency = true) },
    shortSurvival,
  ],
};

export const nct04546906Profile: TrialProfile = {
  protocolId: 'NCT04546906',
  screening,
  toxicityByLevel: [0.35],
  responseByLevel: [0.72],
  transplantShare: 0.2,
  targetAntigen: 'CD22',
};
