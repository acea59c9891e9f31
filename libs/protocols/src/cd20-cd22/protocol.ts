import type { LifecycleSpec } from '../lifecycle/spec';
import { buildProtocol } from '../lifecycle/protocol';
import { FLU_CY_30_300 } from '../common/regimens';
import { HAEMATOLOGICAL_TERMS, PROLONGED_CYTOPENIA_BY_DAY_28 } from '../common/toxicity';
import { DEFAULT_RANGE_ASSUMPTION } from '../rules/ctcae-labs';
import { EXPECTED_AFTER_CAR_T } from '../common/expected-events';
import { ASSESS, visit } from '../common/visits';
import { cd20Cd22AttestationIds, cd20Cd22Eligibility, cd20Cd22EligibilityAssumptions } from './eligibility';

const EARLY = [visit('D7', 7, 1, [ASSESS.toxicity, ASSESS.counts, ASSESS.cytokines]), visit('D14', 14, 2, [ASSESS.toxicity, ASSESS.counts])];
const ALL_REMISSION = [ASSESS.marrow, ASSESS.mrd];
const LATER = (assessments: string[]) => [
  visit('M6', 180, 14, [...assessments, ASSESS.survival]),
  visit('M12', 365, 30, [...assessments, ASSESS.survival]),
  visit('M18', 545, 30, [...assessments, ASSESS.survival]),
  visit('M24', 730, 30, [...assessments, ASSESS.survival]),
];

const SAFETY = [
  { kind: 'primary' as const, title: 'Dose-limiting toxicity and adverse events by NCI-CTCAE v5.0', timeFrame: 'Baseline up to 28 days after infusion' },
  { kind: 'primary' as const, title: 'Incidence of treatment-emergent adverse events (TEAEs)', timeFrame: 'Up to 2 years after infusion' },
];

/**
 * The CD20/CD22 dual-target CAR-T trial (seed 004): single arm, single centre, relapsed or
 * refractory CD20+ CD22+ lymphoid malignancies in two cohorts that differ in response criteria,
 * endpoints and schedule: B-ALL (MRD-negative ORR at 3 months; ORR = CR + CRi at M6–M24; EFS; OS)
 * and B-NHL (Lugano 2014 ORR = CR + PR at W4, W12, M6–M24; DCR = CR + PR + SD).
 */
export const cd20Cd22V1: LifecycleSpec = {
  id: 'cd20-cd22',
  version: 1,
  title: 'CD20/CD22 Targeted CAR T-cells for Relapsed or Refractory Lymphoid Malignancies',
  officialTitle: 'A Study of CD20/CD22 Targeted CAR T-cell Therapy for Relapsed or Refractory Lymphoid Malignancies',
  registryId: null,
  phase: 'Single arm, open label (phase not stated)',
  product: 'CD20/CD22 dual-targeted CAR T-cells',
  disease: 'CD20+ CD22+ relapsed or refractory lymphoid malignancies (B-ALL, B-NHL)',
  targetEnrollment: 30,
  eligibility: cd20Cd22Eligibility,
  attestations: cd20Cd22AttestationIds,
  cellDoseRange: { minCellsPerKg: 1e6, maxCellsPerKg: 5e6, source: 'Assumed: seed 004 gives no dose.' },
  doseLevels: [{ level: 1, label: '1–5 ×10⁶/kg', minCellsPerKg: 1e6, maxCellsPerKg: 5e6 }],
  lymphodepletion: FLU_CY_30_300,
  dlt: {
    windowDays: 28,
    minGrade: 3,
    requiresRelated: true,
    excludedTerms: HAEMATOLOGICAL_TERMS,
    expectedEvents: [EXPECTED_AFTER_CAR_T.infusionReaction, EXPECTED_AFTER_CAR_T.crs, EXPECTED_AFTER_CAR_T.icans],
    prolongedCytopenia: PROLONGED_CYTOPENIA_BY_DAY_28,
    description:
      'Dose-limiting toxicity by NCI-CTCAE v5.0 from baseline to day 28 (assumed: a grade ≥3 non-haematological toxicity related to the CAR T-cells, except infusion reactions ≤ grade 2, CRS ≤ grade 3 that resolves to grade ≤ 1 within 7 days and ICANS ≤ grade 3 that resolves within 7 days; and a grade ≥ 3 neutrophil or platelet count decreased not recovered by day 28).',
  },
  // The B-ALL cohort's values are the defaults; each cohort states its own below.
  responseCriteria: 'ALL',
  primaryResponseVisit: 'M3',
  schedule: [...EARLY, visit('D28', 28, 3, ALL_REMISSION), visit('M3', 90, 7, ALL_REMISSION), ...LATER(ALL_REMISSION)],
  outcomeMeasures: SAFETY,
  cohorts: [
    {
      id: 'B-ALL',
      title: 'B-cell acute lymphoblastic leukaemia',
      diagnoses: ['B-ALL'],
      responseCriteria: 'ALL',
      primaryResponseVisit: 'M3',
      schedule: [...EARLY, visit('D28', 28, 3, ALL_REMISSION), visit('M3', 90, 7, ALL_REMISSION), ...LATER(ALL_REMISSION)],
      responseLandmarks: [
        { visit: 'M3', measure: 'MRD-negative overall response rate (CR, CRi) at 3 months', mrdNegative: true },
        ...['M6', 'M12', 'M18', 'M24'].map((visit) => ({ visit, measure: `Overall response rate (CR + CRi) at month ${visit.slice(1)}` })),
      ],
      outcomeMeasures: [
        ...SAFETY,
        { kind: 'secondary', title: 'MRD-negative overall response rate (MRD- ORR)', timeFrame: '3 months' },
        { kind: 'secondary', title: 'Overall response rate (ORR = CR + CRi)', timeFrame: 'Month 6, 12, 18 and 24' },
        { kind: 'secondary', title: 'Event-free survival (death, relapse or gene relapse, progression)', timeFrame: 'Month 6, 12, 18 and 24' },
        { kind: 'secondary', title: 'Overall survival', timeFrame: 'Month 6, 12, 18 and 24' },
      ],
      followUpDays: 761,
    },
    {
      id: 'B-NHL',
      title: "B-cell non-Hodgkin's lymphoma",
      diagnoses: ['B-NHL'],
      responseCriteria: 'LUGANO_2014',
      primaryResponseVisit: 'W12',
      schedule: [...EARLY, visit('W4', 28, 3, [ASSESS.petCt]), visit('W12', 84, 7, [ASSESS.petCt]), ...LATER([ASSESS.petCt])],
      responseLandmarks: [
        { visit: 'W4', measure: 'Overall response rate (CR + PR) at week 4' },
        { visit: 'W12', measure: 'Overall response rate (CR + PR) at week 12' },
        ...['M6', 'M12', 'M18', 'M24'].map((visit) => ({ visit, measure: `Overall response rate (CR + PR) at month ${visit.slice(1)}` })),
      ],
      outcomeMeasures: [
        ...SAFETY,
        { kind: 'secondary', title: 'Overall response rate (ORR = CR + PR) per Lugano 2014', timeFrame: 'Weeks 4, 12, months 6, 12, 18 and 24' },
        { kind: 'secondary', title: 'Disease control rate (DCR = CR + PR + SD) per Lugano 2014', timeFrame: 'Weeks 12, months 6, 12, 18 and 24' },
      ],
      followUpDays: 761,
    },
  ],
  reminderLeadDays: 2,
  followUpDays: 761,
  assumptions: [
    ...cd20Cd22EligibilityAssumptions,
    'The record defines DLT as adverse events graded by NCI-CTCAE v5.0 from baseline to day 28 without excepting haematological ones; as cytopenia after lymphodepletion is expected, only a prolonged one counts: grade ≥ 3 neutrophil or platelet count decreased still present on a count collected from day 28 to day 31 (the D28 visit window), confirmed as an AE from the lab proposal.',
    DEFAULT_RANGE_ASSUMPTION,
    'The record gives no target enrollment for this single-centre study; 30 participants are assumed.',
    'The record leaves the dose open; one dose level of 1–5 ×10⁶ CAR T-cells/kg is assumed.',
    'The record does not give the lymphodepletion; fludarabine 30 mg/m² and cyclophosphamide 300 mg/m² on days −5 to −3 are assumed.',
    'B-ALL: response assessed at D28 and M3 (the MRD-negative ORR read-out, which ends response assessment), then at M6, M12, M18 and M24.',
    'B-NHL: PET-CT at W4, W12 (the first DCR read-out, which ends response assessment), M6, M12, M18 and M24.',
    'B-NHL response by Lugano 2014 (Cheson et al., J Clin Oncol 2014;32:3059): on PET-CT, Deauville 1–3 is CR, 4–5 with uptake reduced from baseline PR, 4–5 without it SD whatever the SPD; on CT, up to 6 target lesions, PR from an SPD 50 % below baseline; progression of one lesion from its own nadir (LDi > 1.5 cm, PPD +50 %, LDi or SDi up 0.5 cm for a lesion ≤ 2 cm or 1.0 cm for one > 2 cm), where "a lesion ≤ 2 cm" is read as its LDi at the nadir.',
    'Follow-up lasts 2 years (the TEAE window) and ends the day after the M24 window closes (day 761).',
  ],
};

export const cd20Cd22 = [buildProtocol(cd20Cd22V1)];
