import type { LifecycleSpec } from '../lifecycle/spec';
import { buildProtocol } from '../lifecycle/protocol';
import { amend } from '../lifecycle/amend';
import { exclusion, flagIs } from '../rules/eligibility';
import { cd19Eligibility, cd19AttestationIds } from './eligibility';

const HAEMATOLOGICAL_TERMS = [
  'anemia',
  'neutropenia',
  'febrile neutropenia',
  'thrombocytopenia',
  'lymphopenia',
  'neutrophil count decreased',
  'platelet count decreased',
  'white blood cell decreased',
  'lymphocyte count decreased',
];

/**
 * CD19-targeting CAR T-cell therapy for refractory and relapsed B-ALL (seed 002), Phase 1/2, 50
 * participants. Fludarabine 30 mg/m² and cyclophosphamide 300 mg/m² on days −5 to −3, then a target
 * dose of 5–10 ×10⁶ CAR T cells/kg.
 */
export const cd19RrAllV1: LifecycleSpec = {
  id: 'cd19-rr-all',
  version: 1,
  title: 'CAR-T Cell Therapy Targeting to CD19 for R/R ALL',
  officialTitle:
    'CD19-targeting Chimeric Antigen Receptor T-cell Therapy for Patients With Refractory and Relapsed B-cell Acute Lymphoblastic Leukemia',
  registryId: null,
  phase: 'Phase 1/Phase 2',
  product: 'CD19 CAR-T (locally produced)',
  disease: 'CD19+ B-cell acute lymphoblastic leukaemia, refractory or relapsed',
  targetEnrollment: 50,
  eligibility: cd19Eligibility,
  attestations: cd19AttestationIds,
  doseLevels: [{ level: 1, label: '5–10 ×10⁶/kg', minCellsPerKg: 5e6, maxCellsPerKg: 10e6 }],
  lymphodepletion: {
    agents: [
      { agent: 'fludarabine', mgPerM2: 30, days: [-5, -4, -3] },
      { agent: 'cyclophosphamide', mgPerM2: 300, days: [-5, -4, -3] },
    ],
  },
  dlt: {
    windowDays: 28,
    minGrade: 3,
    requiresRelated: true,
    excludedTerms: HAEMATOLOGICAL_TERMS,
    description:
      'Assumption: a grade ≥3 non-haematological toxicity (CTCAE v5.0) related to the CAR T cells with onset within 28 days of infusion.',
  },
  responseCriteria: 'ALL',
  primaryResponseVisit: 'D28',
  schedule: [
    { name: 'D7', day: 7, windowBeforeDays: 1, windowAfterDays: 1, assessments: ['CRS and ICANS assessment', 'blood counts', 'cytokines', 'CAR copies (PB)'] },
    { name: 'D14', day: 14, windowBeforeDays: 2, windowAfterDays: 2, assessments: ['CRS and ICANS assessment', 'blood counts', 'CAR copies (PB)'] },
    { name: 'D28', day: 28, windowBeforeDays: 3, windowAfterDays: 3, assessments: ['bone marrow morphology', 'MRD by flow', 'CAR copies (PB, BM)'] },
    { name: 'M2', day: 60, windowBeforeDays: 7, windowAfterDays: 7, assessments: ['blood counts', 'CAR copies (PB)'] },
    { name: 'M3', day: 90, windowBeforeDays: 7, windowAfterDays: 7, assessments: ['bone marrow morphology', 'MRD by flow', 'CAR copies (PB, BM)'] },
    { name: 'M6', day: 180, windowBeforeDays: 14, windowAfterDays: 14, assessments: ['bone marrow morphology', 'MRD by flow', 'B-cell aplasia'] },
    { name: 'M9', day: 270, windowBeforeDays: 14, windowAfterDays: 14, assessments: ['blood counts', 'MRD by flow'] },
    { name: 'M12', day: 365, windowBeforeDays: 30, windowAfterDays: 30, assessments: ['bone marrow morphology', 'MRD by flow', 'survival status'] },
    { name: 'M18', day: 545, windowBeforeDays: 30, windowAfterDays: 30, assessments: ['MRD by flow', 'survival status'] },
    { name: 'M24', day: 730, windowBeforeDays: 30, windowAfterDays: 30, assessments: ['MRD by flow', 'survival status'] },
  ],
  outcomeMeasures: [
    { kind: 'primary', title: 'Remission rate (CR, CRi) and MRD-negative remission at day 28 (assumed; the record lists no outcome measures)', timeFrame: '28 days' },
    { kind: 'primary', title: 'Incidence and severity of adverse events (assumed)', timeFrame: '28 days' },
    { kind: 'secondary', title: 'Overall and event-free survival (assumed)', timeFrame: '24 months' },
  ],
  reminderLeadDays: 2,
  followUpDays: 761,
  assumptions: [
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
    assumptions: [
      ...cd19RrAllV1.assumptions,
      'Amendment 1 is illustrative: the trial record shows one version; v2 shows how an amended protocol runs beside the original.',
    ],
  },
);

export const cd19RrAll = [buildProtocol(cd19RrAllV1), buildProtocol(cd19RrAllV2)];
