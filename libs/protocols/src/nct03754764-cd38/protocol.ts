import type { LifecycleSpec } from '../lifecycle/spec';
import { buildProtocol } from '../lifecycle/protocol';
import { FLU_CY_30_300 } from '../common/regimens';
import { HAEMATOLOGICAL_TERMS, PROLONGED_CYTOPENIA_BY_DAY_28 } from '../common/toxicity';
import { DEFAULT_RANGE_ASSUMPTION } from '../rules/ctcae-labs';
import { EXPECTED_AFTER_CAR_T } from '../common/expected-events';
import { ASSESS, visit } from '../common/visits';
import { cd38AttestationIds, cd38Eligibility, cd38EligibilityAssumptions } from './eligibility';

const CAR_COPIES_ALL_SITES = [ASSESS.carCopiesPb, ASSESS.carCopiesBm, ASSESS.carCopiesLn, ASSESS.carTPercent];

/**
 * NCT03754764 (seeds 000 and 001): specificity CD38 CAR-T cells for B-ALL relapsed after CD19
 * CAR-T, Phase 1/2, 80 participants, 1–5 ×10⁶ cells/kg on day 0. Primary: severe AEs to 24 weeks,
 * the MTD (4-week DLT window, expected infusion AEs allowed), CAR copies in PB, BM and lymph nodes to
 * 24 weeks. Secondary: 6-month ORR (CR + PR), OS and PFS.
 */
export const nct03754764V1: LifecycleSpec = {
  id: 'NCT03754764',
  version: 1,
  title: 'CD38 CAR-T Cell Immunotherapy for Relapsed B-ALL After CD19 CAR-T',
  officialTitle:
    'A Feasibility and Safety Study of CD38 CAR-T Cell Immunotherapy for Relapsed B-cell Acute Lymphoblastic Leukemia After CD19 CAR-T Adoptive Cellular Immunotherapy',
  registryId: 'NCT03754764',
  phase: 'Phase 1/Phase 2',
  product: 'Specificity CD38 CAR-T cells (gene-edited)',
  disease: 'CD38+ B-cell acute lymphoblastic leukaemia relapsed after CD19 CAR-T',
  targetEnrollment: 80,
  eligibility: cd38Eligibility,
  attestations: cd38AttestationIds,
  cellDoseRange: { minCellsPerKg: 1e6, maxCellsPerKg: 5e6, source: 'Seeds 000 and 001: "Day 0: 1-5x10e6/kg total dose on day 0".' },
  doseLevels: [
    { level: 1, label: '1 ×10⁶/kg', minCellsPerKg: 1e6, maxCellsPerKg: 1.2e6 },
    { level: 2, label: '2.5 ×10⁶/kg', minCellsPerKg: 2e6, maxCellsPerKg: 3e6 },
    { level: 3, label: '5 ×10⁶/kg', minCellsPerKg: 4e6, maxCellsPerKg: 5e6 },
  ],
  doseEscalation: { design: '3+3', cohortSize: 3, staggerDays: 7 },
  lymphodepletion: FLU_CY_30_300,
  dlt: {
    windowDays: 28,
    minGrade: 3,
    requiresRelated: true,
    excludedTerms: HAEMATOLOGICAL_TERMS,
    expectedEvents: [EXPECTED_AFTER_CAR_T.infusionReaction, EXPECTED_AFTER_CAR_T.fever, EXPECTED_AFTER_CAR_T.crs],
    prolongedCytopenia: PROLONGED_CYTOPENIA_BY_DAY_28,
    description:
      "A grade ≥3 non-haematological toxicity related to the CAR-T cells within 4 weeks of infusion, except the allowable 'expected' AEs of the intravenous infusion (assumed: infusion reactions ≤ grade 2, fever resolving within 3 days, CRS ≤ grade 3 resolving to grade ≤ 1 within 7 days), and a grade ≥ 3 neutrophil or platelet count decreased not recovered by day 28 (assumed).",
  },
  responseCriteria: 'ALL',
  extraResponses: ['PR'],
  primaryResponseVisit: 'W24',
  schedule: [
    visit('D7', 7, 1, [ASSESS.toxicity, ASSESS.counts, ASSESS.cytokines, ASSESS.carCopiesPb]),
    visit('D14', 14, 2, [ASSESS.toxicity, ASSESS.counts, ASSESS.carCopiesPb]),
    visit('D28', 28, 3, [ASSESS.marrow, ASSESS.mrd, ASSESS.adverseEvents, ...CAR_COPIES_ALL_SITES]),
    visit('W8', 56, 7, [ASSESS.counts, ASSESS.carCopiesPb]),
    visit('W12', 84, 7, [ASSESS.marrow, ASSESS.mrd, ...CAR_COPIES_ALL_SITES]),
    visit('W16', 112, 7, [ASSESS.counts, ASSESS.carCopiesPb]),
    visit('W20', 140, 7, [ASSESS.counts, ASSESS.carCopiesPb]),
    visit('W24', 168, 7, [ASSESS.marrow, ASSESS.mrd, ASSESS.survival, ASSESS.adverseEvents, ...CAR_COPIES_ALL_SITES]),
  ],
  responseLandmarks: [{ visit: 'W24', measure: 'Six-month objective response rate (CR and PR)' }],
  outcomeMeasures: [
    { kind: 'primary', title: 'Number of participants with severe/adverse events (safety and tolerability)', timeFrame: '24 weeks' },
    { kind: 'primary', title: 'MTD of specificity CD38 CAR-T cells', timeFrame: '4 weeks' },
    { kind: 'primary', title: 'CAR copy numbers in peripheral blood, bone marrow and lymph nodes', timeFrame: '24 weeks' },
    { kind: 'secondary', title: 'Six-month objective response rate (CR and PR)', timeFrame: '24 weeks' },
    { kind: 'secondary', title: 'Six-month progression-free survival', timeFrame: '24 weeks' },
    { kind: 'secondary', title: 'Six-month overall survival', timeFrame: '24 weeks' },
  ],
  reminderLeadDays: 2,
  followUpDays: 176,
  assumptions: [
    ...cd38EligibilityAssumptions,
    "The record excepts from its DLT definition only the 'expected' AEs of the infusion, so haematological toxicity is not excepted as a whole; as cytopenia after lymphodepletion is expected, only a prolonged one counts: grade ≥ 3 neutrophil or platelet count decreased still present on a count collected from day 28 to day 31 (the D28 visit's window), confirmed as an AE from the lab proposal.",
    DEFAULT_RANGE_ASSUMPTION,
    'Seed 000 calls the study phase 1/2 and seed 001 lists Phase 1; the trial is taken as Phase 1/Phase 2 as docs/clinical.md, section "The four trials", has it.',
    'The record gives the total dose range 1–5 ×10⁶ cells/kg for an MTD study; three dose levels inside it are assumed: 1 ×10⁶/kg (accepting 1.0–1.2), 2.5 ×10⁶/kg (2.0–3.0) and 5 ×10⁶/kg (4.0–5.0). No level accepts a dose outside 1–5 ×10⁶/kg.',
    'The record names the MTD as an objective but not the design; a 3+3 design in cohorts of 3 is assumed, with infusions staggered by at least 7 days, and patients enrolled after the MTD is found are treated at the MTD (expansion).',
    'The record does not give the lymphodepletion; fludarabine 30 mg/m² and cyclophosphamide 300 mg/m² on days −5 to −3 are assumed.',
    "The 'expected' AEs of the infusion are not listed; infusion reactions ≤ grade 2, fever resolving within 3 days and CRS ≤ grade 3 resolving to grade ≤ 1 within 7 days are assumed.",
    'The record counts partial remission in the ORR; a PR has no standard ALL definition, so an investigator records it directly.',
    'Visits at D7, D14, D28 and every 4 weeks to W24 are assumed for CAR copies and response; the 6-month response is assessed at W24 and follow-up ends after its window (day 176).',
  ],
};

export const nct03754764 = [buildProtocol(nct03754764V1)];
