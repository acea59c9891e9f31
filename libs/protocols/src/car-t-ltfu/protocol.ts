import type { LifecycleSpec, VisitFindingKey, VisitSpec } from '../lifecycle/spec';
import { DEFAULT_RANGE_ASSUMPTION } from '../rules/ctcae-labs';
import { buildProtocol } from '../lifecycle/protocol';
import { FLU_CY_30_300 } from '../common/regimens';
import { HAEMATOLOGICAL_TERMS } from '../common/toxicity';
import { ASSESS, visit } from '../common/visits';

/**
 * What each long-term follow-up visit asks: the delayed adverse events the FDA's guidance names for
 * products with integrating vectors (Long Term Follow-up After Administration of Human Gene Therapy
 * Products, January 2020, section V: new malignancies, new or exacerbated neurological,
 * rheumatological or other autoimmune, and haematological disorders; serious infections for
 * immune-modifying products), vital status, and the persistence of the CAR transgene.
 */
const LTFU_FINDINGS: VisitFindingKey[] = ['newMalignancy', 'newNeurologicalDisorder', 'newRheumatologicalOrAutoimmuneDisorder', 'newHaematologicalDisorder', 'seriousInfection'];
const LTFU_ASSESSMENTS = [
  ASSESS.malignancyHistory,
  ASSESS.cbcDiff,
  ASSESS.malignancyWorkUp,
  ASSESS.neurological,
  ASSESS.rheumatological,
  ASSESS.haematological,
  ASSESS.infection,
  ASSESS.vitalStatus,
  'CAR copies by qPCR (PB), where still measured',
];

/** Year `year` after infusion: ± 30 days for years 1–5 (visits in person), ± 60 days after (by telephone or the patient's own physician). */
function yearly(year: number): VisitSpec {
  return { ...visit(`Y${year}`, 365 * year, year <= 5 ? 30 : 60, LTFU_ASSESSMENTS), findings: LTFU_FINDINGS };
}

const SCHEDULE = Array.from({ length: 15 }, (_, i) => yearly(i + 1));

/**
 * Long-term follow-up of patients given a CAR-T product in any of the engine's trials, to 15 years
 * after infusion (FDA 2020 LTFU guidance: 15 years for integrating vectors such as the lentiviral and
 * gammaretroviral vectors of CAR-T products; CIBMTR's cellular-therapy forms follow the same track).
 * A patient is never screened, enrolled or treated here: they roll over from the parent trial when
 * its own follow-up ends, keeping the parent's Day 0, so year N is day 365 × N after that infusion.
 * The treatment fields below are required of every protocol and unused here: no state of this
 * protocol gives a product.
 */
export const carTLtfuV1: LifecycleSpec = {
  id: 'car-t-ltfu',
  version: 1,
  title: 'Long-term follow-up after CAR-T cell therapy',
  officialTitle: 'Long-term (15-year) follow-up of patients who received a CAR-T cell product in a parent trial',
  registryId: null,
  phase: 'Long-term follow-up',
  product: 'none given (the parent trial’s CAR-T product)',
  disease: 'as in the parent trial',
  targetEnrollment: 200,
  eligibility: [],
  attestations: {},
  cellDoseRange: { minCellsPerKg: 0, maxCellsPerKg: 0, source: 'No product is given on a long-term follow-up protocol; the dose stands in the parent trial.' },
  doseLevels: [{ level: 1, label: 'none given here', minCellsPerKg: 0, maxCellsPerKg: 0 }],
  lymphodepletion: FLU_CY_30_300,
  dlt: {
    windowDays: 28,
    minGrade: 3,
    requiresRelated: true,
    excludedTerms: HAEMATOLOGICAL_TERMS,
    description: 'Not applicable: the DLT window is the parent trial’s and closed before the rollover.',
  },
  responseCriteria: 'ALL',
  primaryResponseVisit: 'Y1',
  schedule: SCHEDULE,
  outcomeMeasures: [
    { kind: 'primary', title: 'Incidence of new malignancies, including T-cell malignancies, after CAR-T', timeFrame: '15 years' },
    { kind: 'secondary', title: 'Incidence of new neurological, rheumatological or autoimmune, and haematological disorders, and of serious infections', timeFrame: '15 years' },
    { kind: 'secondary', title: 'Overall survival', timeFrame: '15 years' },
    { kind: 'secondary', title: 'Persistence of the CAR transgene (qPCR, peripheral blood)', timeFrame: '15 years' },
  ],
  reminderLeadDays: 14,
  followUpDays: 365 * 15 + 60 + 1,
  rollover: {
    parents: ['cd19-rr-all', 'NCT03754764', 'NCT04546906', 'cd20-cd22'],
    fromStates: ['completed', 'withdrawn'],
  },
  assumptions: [
    DEFAULT_RANGE_ASSUMPTION,
    'Yearly visits from year 1 to year 15 after the parent trial’s infusion: ± 30 days in years 1–5, ± 60 days in years 6–15 (FDA 2020 LTFU guidance allows contact by telephone or questionnaire in the later years).',
    'Visits whose window closed before the rollover (years 1 and 2 after a 24-month parent trial) are not required: the parent trial’s own visits covered them.',
    'A patient who withdrew from the parent trial after infusion may still roll over when they consent to long-term follow-up (the guidance asks for follow-up of everyone exposed to the product).',
    'Reminders are sent 14 days before a yearly window opens.',
  ],
};

export const carTLtfu = [buildProtocol(carTLtfuV1)];
