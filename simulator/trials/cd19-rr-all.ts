import { type ScreeningData } from '#protocols';
import { eligibleCd19Screening } from '#testing';
import { normalLabs, performanceStatus, shortSurvival, type ScreeningProfile } from '../clinical/screening';
import type { TrialProfile } from './profile';

/** CD19 CAR-T for R/R B-ALL: adults with refractory disease or MRD persisting after consolidation. */
const screening: ScreeningProfile = {
  ages: () => [18, 68],
  eligible(rng) {
    const refractory = rng.chance(0.5);
    const disease: ScreeningData = refractory
      ? { remissionAchieved: false, mrdPositive: true, consolidationCycles: rng.int(0, 2) }
      : { remissionAchieved: true, mrdPositive: true, consolidationCycles: rng.int(2, 4) };
    return eligibleCd19Screening({
      screening: {
        ...disease,
        ...performanceStatus(rng, 2),
        lifeExpectancyWeeks: rng.int(16, 52),
        labs: normalLabs(rng),
      },
    });
  },
  ineligibilities: [
    { finding: 'creatinine of 1.6 mg/dL or more', apply: (c, rng) => void (c.screening.labs!.creatinineMgDl = Number(rng.between(1.7, 2.6).toFixed(2))) },
    { finding: 'LVEF below 0.5', apply: (c, rng) => void (c.screening.labs!.lvef = Number(rng.between(0.35, 0.48).toFixed(2))) },
    { finding: 'bilirubin of 2.0 mg/dL or more', apply: (c, rng) => void (c.screening.labs!.bilirubinMgDl = Number(rng.between(2.1, 3.4).toFixed(2))) },
    { finding: 'active infection', apply: (c) => void (c.screening.conditions!.activeInfection = true) },
    { finding: 'history of seizure', apply: (c) => void (c.screening.conditions!.seizureHistory = true) },
    { finding: 'CD19-negative disease', apply: (c) => void (c.screening.markers = { ...c.screening.markers, CD19: 'negative' }) },
    { finding: 'prior CD19 CAR-T therapy (amendment 1)', apply: (c) => void (c.screening.priorCd19CarT = true) },
    {
      finding: 'MRD-negative remission: neither refractory nor with persistent residual disease',
      apply: (c) => void Object.assign(c.screening, { remissionAchieved: true, mrdPositive: false }),
    },
    shortSurvival,
  ],
};

export const cd19RrAllProfile: TrialProfile = {
  protocolId: 'cd19-rr-all',
  screening,
  toxicityByLevel: [0.5],
  responseByLevel: [0.82],
  transplantShare: 0.15,
  targetAntigen: 'CD19',
};
