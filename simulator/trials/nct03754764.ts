import { eligibleCd38Screening } from '#testing';
import { birthDateFor } from '../clinical/demographics';
import { normalLabs, performanceStatus, type ScreeningProfile } from '../clinical/screening';
import type { TrialProfile } from './profile';

/**
 * NCT03754764: CD38+ B-ALL relapsed after a CD19 CAR-T, ages 12–70, ECOG ≤ 1, often after an
 * allogeneic transplant (GVHD recorded by Glucksberg grade and chronic extent).
 */
const screening: ScreeningProfile = {
  ages: () => [16, 68],
  eligible(rng) {
    const transplanted = rng.chance(0.6);
    return eligibleCd38Screening({
      screening: {
        markers: {
          CD38: 'positive',
          CD19: rng.weighted([
            ['negative', 0.45],
            ['dim', 0.2],
            ['positive', 0.35],
          ] as const),
        },
        ...performanceStatus(rng, 1),
        lifeExpectancyWeeks: rng.int(14, 40),
        daysSinceInvestigationalProduct: rng.int(45, 300),
        labs: normalLabs(rng),
        gvhd: transplanted
          ? {
              acuteGlucksbergGrade: rng.weighted([
                [0, 0.6],
                [1, 0.4],
              ] as const),
              chronic: rng.weighted([
                ['none', 0.6],
                ['limited', 0.4],
              ] as const),
            }
          : { acuteGlucksbergGrade: 0, chronic: 'none' },
      },
    });
  },
  ineligibilities: [
    { finding: 'older than 70', apply: (c, rng, asOf) => void (c.demographics.birthDate = birthDateFor(rng, rng.int(71, 76), asOf)) },
    { finding: 'ECOG 2', apply: (c) => void Object.assign(c.screening, { ecog: 2 }) },
    { finding: 'acute GVHD grade II (Glucksberg)', apply: (c) => void (c.screening.gvhd = { ...c.screening.gvhd, acuteGlucksbergGrade: 2 }) },
    { finding: 'extensive chronic GVHD', apply: (c) => void (c.screening.gvhd = { ...c.screening.gvhd, chronic: 'extensive' }) },
    { finding: 'concurrent systemic steroids', apply: (c) => void (c.screening.conditions!.systemicSteroids = true) },
    {
      finding: 'investigational product within 30 days of screening',
      apply: (c, rng) => void (c.screening.daysSinceInvestigationalProduct = rng.int(12, 29)),
    },
    { finding: 'CD38 dim by flow', apply: (c) => void (c.screening.markers = { ...c.screening.markers, CD38: 'dim' }) },
    { finding: 'severe active infection', apply: (c) => void (c.screening.conditions!.severeActiveInfection = true) },
    {
      finding: 'prior CD22 CAR-T (a gene or cell therapy other than the CD19 CAR-T)',
      apply: (c) => void (c.screening.priorGeneOrCellTherapyOtherThanCd19CarT = true),
    },
  ],
};

export const nct03754764Profile: TrialProfile = {
  protocolId: 'NCT03754764',
  screening,
  // Dose-finding: toxicity rises steeply at 5 ×10⁶/kg, so the 3+3 escalates and usually stops below it.
  toxicityByLevel: [0.1, 0.45, 0.95],
  responseByLevel: [0.45, 0.6, 0.7],
  investigatorPrShare: 0.3,
  transplantShare: 0.15,
  targetAntigen: 'CD38',
};
