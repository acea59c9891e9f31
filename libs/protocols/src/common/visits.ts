import type { VisitSpec } from '../lifecycle/spec';

/** A visit of the schedule: `visit('D28', 28, 3, [...])` is day 28 ± 3 days. */
export function visit(name: string, day: number, windowDays: number, assessments: string[]): VisitSpec {
  return { name, day, windowBeforeDays: windowDays, windowAfterDays: windowDays, assessments };
}

/** Common names of assessments, so schedules and exports speak alike. */
export const ASSESS = {
  toxicity: 'CRS and ICANS assessment',
  counts: 'blood counts',
  marrow: 'bone marrow morphology',
  mrd: 'MRD by flow',
  carCopiesPb: 'CAR copies by qPCR (PB)',
  carCopiesBm: 'CAR copies by qPCR (BM)',
  carCopiesLn: 'CAR copies by qPCR (lymph node)',
  carTPercent: 'CAR-T cells by flow (%)',
  cytokines: 'cytokines (IL-6, IL-10, IFN-γ, TNF-α)',
  petCt: 'PET-CT (Lugano 2014)',
  survival: 'survival status',
  adverseEvents: 'adverse events',
  malignancyHistory: 'history and examination for a new malignancy',
  cbcDiff: 'complete blood count with differential',
  malignancyWorkUp: 'lymphoma/leukaemia work-up when indicated (flow cytometry, biopsy, CAR transgene in the tumour)',
  neurological: 'new neurological disorder',
  rheumatological: 'new rheumatological or autoimmune disorder',
  haematological: 'new haematological disorder',
  infection: 'serious infection',
  vitalStatus: 'vital status',
} as const;

/**
 * The yearly screening for a new malignancy after a CAR-T product (FDA boxed warning on T-cell
 * malignancies, 2024): history, CBC with differential, a work-up when indicated. Day 365 × year ± 30.
 */
export function malignancyScreening(name: string, year: number): VisitSpec {
  return { ...visit(name, 365 * year, 30, [ASSESS.malignancyHistory, ASSESS.cbcDiff, ASSESS.malignancyWorkUp]), findings: ['newMalignancy'] };
}
