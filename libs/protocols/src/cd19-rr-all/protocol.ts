import type { LifecycleSpec } from '../lifecycle/spec';
import { DEFAULT_RANGE_ASSUMPTION } from '../rules/ctcae-labs';
import { buildProtocol } from '../lifecycle/protocol';
import { amend } from '../lifecycle/amend';
import { exclusion, flagIs } from '../rules/eligibility';
import { cd19Eligibility, cd19AttestationIds } from './eligibility';
import { FLU_CY_30_300 } from '../common/regimens';
import { HAEMATOLOGICAL_TERMS } from '../common/toxicity';
import { ASSESS, malignancyScreening, visit } from '../common/visits';

/**
 * CD19-targeting CAR T-cell therapy for refractory and relapsed B-ALL (seed 002), Phase 1/2, 50
 * participants. Fludarabine 30 mg/m² and cyclophosphamide 300 mg/m² on days −5 to −3, then a target
 * dose of 5–10 ×10⁶ CAR T cells/kg.
 */
export const cd19RrAllV1: LifecycleSpec = {
  id: 'cd19-rr-all',
  version: 1,
  title: 'CAR-T Cell Therapy Targeting to CD19 for R/R ALL',
  officialTitle: 'CD19-targeting Chimeric Antigen Receptor T-cell Therapy for Patients With Refractory and Relapsed B-cell Acute Lymphoblastic Leukemia',
  registryId: null,
  phase: 'Phase 1/Phase 2',
  product: 'CD19 CAR-T (locally produced)',
  disease: 'CD19+ B-cell acute lymphoblastic leukaemia, refractory or relapsed',
  targetEnrollment: 50,
  eligibility: cd19Eligibility,
  attestations: cd19AttestationIds,
  cellDoseRange: {
    minCellsPerKg: 5e6,
    maxCellsPerKg: 10e6,
    source: 'Seed 002: "a target dose of 5~10×10E6/kg of recipient weight".',
  },
  doseLevels: [{ level: 1, label: '5–10 ×10⁶/kg', minCellsPerKg: 5e6, maxCellsPerKg: 10e6 }],
  lymphodepletion: FLU_CY_30_300,
  dlt: {
    windowDays: 28,
    minGrade: 3,
    requiresRelated: true,
    excludedTerms: HAEMATOLOGICAL_TERMS,
    description: 'Assumption: a grade ≥3 non-haematological toxicity (CTCAE v5.0) related to the CAR T cells with onset within 28 days of infusion.',
  },
  responseCriteria: 'ALL',
  primaryResponseVisit: 'D28',
  schedule: [
    visit('D7', 7, 1, [ASSESS.toxicity, ASSESS.counts, ASSESS.cytokines, ASSESS.carCopiesPb]),
    visit('D14', 14, 2, [ASSESS.toxicity, ASSESS.counts, ASSESS.carCopiesPb]),
    visit('D28', 28, 3, [ASSESS.marrow, ASSESS.mrd, ASSESS.carCopiesPb, ASSESS.carCopiesBm]),
    visit('M2', 60, 7, [ASSESS.counts, ASSESS.carCopiesPb]),
    visit('M3', 90, 7, [ASSESS.marrow, ASSESS.mrd, ASSESS.carCopiesPb, ASSESS.carCopiesBm]),
    visit('M6', 180, 14, [ASSESS.marrow, ASSESS.mrd, 'B-cell aplasia']),
    visit('M9', 270, 14, [ASSESS.counts, ASSESS.mrd]),
    visit('M12', 365, 30, [ASSESS.marrow, ASSESS.mrd, ASSESS.survival]),
    visit('M18', 545, 30, [ASSESS.mrd, ASSESS.survival]),
    visit('M24', 730, 30, [ASSESS.mrd, ASSESS.survival]),
  ],
  responseLandmarks: [
    { visit: 'D28', measure: 'Remission (CR, CRi) at day 28' },
    { visit: 'D28', measure: 'MRD-negative remission at day 28', mrdNegative: true },
  ],
  outcomeMeasures: [
    { kind: 'primary', title: 'Remission rate (CR, CRi) and MRD-negative remission at day 28 (assumed; the record lists no outcome measures)', timeFrame: '28 days' },
    { kind: 'primary', title: 'Incidence and severity of adverse events (assumed)', timeFrame: '28 days' },
    { kind: 'secondary', title: 'Overall and event-free survival (assumed)', timeFrame: '24 months' },
  ],
  reminderLeadDays: 2,
  followUpDays: 761,
  assumptions: [
    DEFAULT_RANGE_ASSUMPTION,
    'The trial record gives no DLT definition; the DLT rule is the common one: a grade ≥3 non-haematological toxicity related to the product within 28 days of infusion.',
    'The trial record gives no schedule of assessments; visits at D7, D14, D28, M2, M3, M6, M9, M12, M18 and M24 with the stated windows are assumed, with the primary response assessment at D28.',
    'Follow-up is assumed to last 24 months after infusion and to end the day after the M24 window closes (day 761).',
    'Reminders are sent 2 days before a visit window opens.',
    'The trial record lists no outcome measures; remission at day 28, adverse events and survival are assumed.',
  ],
};

/**
 * Amendment 1: patients already treated with a CD19-directed CAR-T product are excluded, so that the
 * trial's efficacy read-out is on CAR-T-naive patients. Everything else is unchanged.
 */
export const cd19RrAllV2 = amend(
  cd19RrAllV1,
  { effective: '2017-06-01', summary: 'Adds the exclusion of patients previously treated with a CD19-directed CAR-T product.' },
  {
    eligibility: [
      ...cd19RrAllV1.eligibility,
      exclusion(
        'prior-cd19-car-t',
        'Prior treatment with a CD19-directed CAR-T cell product (amendment 1)',
        flagIs({
          path: 'priorCd19CarT',
          expected: true,
          label: 'prior CD19 CAR-T therapy',
          whenTrue: 'the patient has received a CD19-directed CAR-T product',
          whenFalse: 'the patient has not received a CD19-directed CAR-T product',
        }),
      ),
    ],
    assumptions: [...cd19RrAllV1.assumptions, 'Amendment 1 is illustrative: the trial record shows one version; v2 shows how an amended protocol runs beside the original.'],
  },
);

/** The states a patient keeps under amendment 2: every step from screening through follow-up is the same step. */
const ON_STUDY_STATES = [
  'screening',
  'eligible',
  'enrolled',
  'manufacturing',
  'productReleased',
  'lymphodepletion',
  'readyForInfusion',
  'dltWindow',
  'responseAssessment',
  'followUp',
];

/**
 * Amendment 2, the secondary-malignancy amendment: after the FDA's class-wide boxed warning on T-cell
 * malignancies after BCMA- and CD19-directed CAR-T products (FDA safety communication, 2024-04-18;
 * labelling changes under section 505-1(o)(4)), patients are screened for a new malignancy every year
 * after infusion (history and examination, complete blood count with differential, and a lymphoma or
 * leukaemia work-up when indicated, including testing of the tumour for the CAR transgene), a new
 * malignancy is reported to the sponsor at once, and the screening continues to year 15 in the
 * long-term follow-up protocol (`car-t-ltfu`) after the trial's own 24 months (FDA, Long Term
 * Follow-up After Administration of Human Gene Therapy Products, January 2020). It reaches the
 * patients already on study: each site after its IRB approves it, each patient after re-consent.
 */
export const cd19RrAllV3 = amend(
  cd19RrAllV2,
  {
    effective: '2024-06-01',
    summary:
      'Adds yearly screening for a new (secondary) malignancy after infusion, reported to the sponsor at once, continued to year 15 in long-term follow-up; consent version 3.0; applies to patients already on study after re-consent.',
    siteApproval: true,
    migration: {
      fromVersions: [1, 2],
      states: Object.fromEntries(ON_STUDY_STATES.map((state) => [state, state])),
      unmapped: {
        screenFailed: 'the patient failed screening and is off study: there is nothing left to screen',
        manufacturingFailed: 'the product was never made and the patient is off study without an infusion: there is no Day 0 to screen from',
        withdrawn: 'the patient withdrew consent: no new procedure may be asked of them (ICH E6(R2) 4.8.10(m)); data already collected stay on their version',
        died: 'the patient died on study: there is no future visit and no one to re-consent',
        lostToFollowUp: 'the site cannot reach the patient to re-consent them; if they are found, record the late entries on their version',
        completed: "the trial's follow-up is over: the yearly malignancy screening continues in the long-term follow-up protocol (roll the patient over to car-t-ltfu)",
      },
      reconsent: {
        consentVersion: '3.0',
        blocks: ['ELIGIBILITY_CONFIRMED', 'ENROLLED', 'LEUKAPHERESIS_COMPLETED', 'LYMPHODEPLETION_STARTED', 'INFUSION_COMPLETED', 'VISIT_COMPLETED', 'RESPONSE_ASSESSED'],
        before: 'the next visit or treatment step',
        onDecline:
          'the patient stays on study under the consent already given: the visits and treatment go on as before, the malignancy-screening visits the amendment added are not required of them, and a new malignancy found at an ordinary visit is still reported as an adverse event',
      },
    },
  },
  {
    // In the order of their days, the screening visits beside M12 and M24.
    schedule: [...cd19RrAllV2.schedule, malignancyScreening('MAL-Y1', 1), malignancyScreening('MAL-Y2', 2)].sort((a, b) => a.day - b.day),
    assumptions: [
      ...cd19RrAllV2.assumptions,
      'Amendment 2 is illustrative of the 2024 secondary-malignancy amendments: the malignancy screening is yearly at day 365 and 730 (± 30 days), beside the M12 and M24 visits, and continues yearly to year 15 in car-t-ltfu after the patient completes the trial.',
    ],
  },
);

export const cd19RrAll = [buildProtocol(cd19RrAllV1), buildProtocol(cd19RrAllV2), buildProtocol(cd19RrAllV3)];
