import type { LifecycleSpec } from '../lifecycle/spec';
import { DEFAULT_RANGE_ASSUMPTION } from '../rules/ctcae-labs';
import { buildProtocol } from '../lifecycle/protocol';
import { FLU_CY_30_300 } from '../common/regimens';
import { HAEMATOLOGICAL_TERMS } from '../common/toxicity';
import { EXPECTED_AFTER_CAR_T } from '../common/expected-events';
import { ASSESS, visit } from '../common/visits';
import { cd22AttestationIds, cd22Eligibility, cd22EligibilityAssumptions } from './eligibility';

const FIRST_MONTH = [ASSESS.toxicity, ASSESS.cytokines, ASSESS.carCopiesPb, ASSESS.carTPercent];
const KINETICS = [ASSESS.carCopiesPb, ASSESS.carTPercent];
const REMISSION = [ASSESS.marrow, ASSESS.mrd];

/**
 * NCT04546906 (seed 003): CD22 CAR-T (anti-CD22 scFv, 4-1BB, CD3ζ) for relapsed or refractory
 * B-ALL, 20 participants. Primary: remission (CR, CRi, NR) at 3 months; AEs (CRS, neurotoxicity)
 * in the first month. Secondary: DOR and PFS to 24 months; CAR copies by qPCR and CAR-T % by flow
 * to 3 months; IL-6, IL-10, IFN-γ and TNF-α in the first month.
 */
export const nct04546906V1: LifecycleSpec = {
  id: 'NCT04546906',
  version: 1,
  title: 'CD22 CAR-T Cells for Relapsed or Refractory B-ALL',
  officialTitle: 'Safety and Efficacy Study of CD22 CAR-T Cells for Relapsed or Refractory Acute Lymphoblastic Leukemia',
  registryId: 'NCT04546906',
  phase: 'Not Applicable',
  product: 'CD22 CAR-T (anti-CD22 scFv, 4-1BB, CD3ζ)',
  disease: 'CD22+ B-cell acute lymphoblastic leukaemia, relapsed or refractory',
  targetEnrollment: 20,
  eligibility: cd22Eligibility,
  attestations: cd22AttestationIds,
  cellDoseRange: {
    minCellsPerKg: 0.5e6,
    maxCellsPerKg: 3e6,
    source: 'Assumed: seed 003 gives no dose (the range of published CD22 CAR-T doses).',
  },
  doseLevels: [{ level: 1, label: '0.5–3 ×10⁶/kg', minCellsPerKg: 0.5e6, maxCellsPerKg: 3e6 }],
  lymphodepletion: FLU_CY_30_300,
  dlt: {
    windowDays: 28,
    minGrade: 3,
    requiresRelated: true,
    excludedTerms: HAEMATOLOGICAL_TERMS,
    expectedEvents: [EXPECTED_AFTER_CAR_T.infusionReaction, EXPECTED_AFTER_CAR_T.crs, EXPECTED_AFTER_CAR_T.icans],
    description:
      'Assumption: a grade ≥3 non-haematological toxicity related to the CAR-T cells within the first month, except infusion reactions ≤ grade 2, CRS ≤ grade 3 that resolves to grade ≤ 1 within 7 days and ICANS ≤ grade 3 that resolves within 7 days.',
  },
  responseCriteria: 'ALL',
  primaryResponseVisit: 'M3',
  schedule: [
    visit('D4', 4, 1, FIRST_MONTH),
    visit('D7', 7, 1, FIRST_MONTH),
    visit('D14', 14, 2, FIRST_MONTH),
    visit('D21', 21, 2, FIRST_MONTH),
    visit('D28', 28, 3, [...FIRST_MONTH, ...REMISSION, ASSESS.adverseEvents]),
    visit('M2', 60, 7, KINETICS),
    visit('M3', 90, 7, [...REMISSION, ...KINETICS]),
    visit('M6', 180, 14, [...REMISSION, ASSESS.survival]),
    visit('M9', 270, 14, [...REMISSION, ASSESS.survival]),
    visit('M12', 365, 30, [...REMISSION, ASSESS.survival]),
    visit('M18', 545, 30, [...REMISSION, ASSESS.survival]),
    visit('M24', 730, 30, [...REMISSION, ASSESS.survival]),
  ],
  responseLandmarks: [{ visit: 'M3', measure: 'Remission rate (CR, CRi) at 3 months post infusion' }],
  outcomeMeasures: [
    { kind: 'primary', title: 'Remission rate (CR, CRi, NR)', timeFrame: '3 months post CAR-T cell infusion' },
    { kind: 'primary', title: 'Incidence and severity of adverse events, including CRS and neurotoxicity', timeFrame: 'First month post CAR-T cell infusion' },
    { kind: 'secondary', title: 'Duration of response (DOR)', timeFrame: '24 months post CAR-T cell infusion' },
    { kind: 'secondary', title: 'Progression-free survival (PFS)', timeFrame: '24 months post CAR-T cell infusion' },
    { kind: 'secondary', title: 'CAR-T proliferation: CAR copies by qPCR and CAR-T cells by flow', timeFrame: '3 months post CAR-T cell infusion' },
    { kind: 'secondary', title: 'Cytokine release: IL-6, IL-10, IFN-γ, TNF-α (pg/mL)', timeFrame: 'First month post CAR-T cell infusion' },
  ],
  reminderLeadDays: 2,
  followUpDays: 761,
  assumptions: [
    DEFAULT_RANGE_ASSUMPTION,
    ...cd22EligibilityAssumptions,
    'The record leaves the dose open; one dose level of 0.5–3 ×10⁶ CAR-T cells/kg is assumed (the range of published CD22 CAR-T doses).',
    'The record says only "preconditioning treatment"; fludarabine 30 mg/m² and cyclophosphamide 300 mg/m² on days −5 to −3 are assumed.',
    'The record gives no DLT definition; its first-month safety window is used as a 28-day DLT window with the usual grade ≥3 related non-haematological rule.',
    'The record\'s CAR-T proliferation measure says "CD19 CAR-T cells"; it is read as the CD22 CAR-T cells of this trial.',
    'Cytokines and CAR kinetics are sampled at D4, D7, D14, D21 and D28; remission is assessed at D28 and at M3 (the primary read-out), then every 3–6 months to M24.',
  ],
};

export const nct04546906 = [buildProtocol(nct04546906V1)];
