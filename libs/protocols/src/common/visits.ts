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
} as const;
