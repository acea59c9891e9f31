import type { ClinicalEvent } from '../events';
import type { PatientContext } from './context';
import type { LifecycleSpec } from './spec';
import { evaluateEligibility } from '../rules/eligibility';
import * as record from './record';
import { clinicalInstant } from './clinical-time';
import { adverseEventRefusals } from '../rules/ctcae';

type Refusal = (spec: LifecycleSpec, context: PatientContext, event: ClinicalEvent<any>, cohort: string | null) => string[];

const knownVisit = (spec: LifecycleSpec, visit: string): string[] =>
  spec.schedule.some((v) => v.name === visit)
    ? []
    : [`visit ${visit} is not in this protocol's schedule (visits: ${spec.schedule.map((v) => v.name).join(', ')})`];

const notBefore = (label: string, at: string | undefined, event: ClinicalEvent, what: string): string[] =>
  at && event.occurredAt < at ? [`${what} at ${event.occurredAt} is before the ${label} at ${at}`] : [];

const ALL_INPUTS = ['marrowBlastsPct', 'circulatingBlasts', 'extramedullary', 'anc', 'platelets'] as const;
const RESPONSES_BY_CRITERIA = { ALL: ['CR', 'CRi', 'NR', 'PD'], LUGANO_2014: ['CR', 'PR', 'SD', 'PD'] };

/**
 * Rules that refuse a well-formed event the current state accepts (HTTP 422). Each returns one plain
 * sentence per unmet rule; an empty list lets the event through.
 */
const refusals: Partial<Record<string, Refusal>> = {
  ELIGIBILITY_CONFIRMED: (spec, context, event, cohort) => {
    const attestations: string[] = event.data.attestations ?? [];
    const unknown = attestations
      .filter((a) => !(a in spec.attestations))
      .map((a) => `attestation "${a}" is not one this protocol asks for (${Object.keys(spec.attestations).join(', ')})`);
    const consent = context.consent ? [] : ['informed consent has not been signed'];
    const eligibility = evaluateEligibility(spec.eligibility, {
      screening: context.screening,
      patient: { birthDate: context.patient.birthDate, sex: context.patient.sex },
      attestations,
      asOf: event.occurredAt,
    });
    const diagnoses = spec.cohorts?.find((c) => c.id === cohort)?.diagnoses;
    const diagnosis = context.screening.diagnosis;
    const wrongCohort =
      diagnoses && diagnosis && !diagnoses.includes(diagnosis)
        ? [`diagnosis ${diagnosis} does not belong to the ${cohort} cohort (${diagnoses.join(', ')})`]
        : [];
    return [...consent, ...unknown, ...wrongCohort, ...eligibility.reasons];
  },
  LYMPHODEPLETION_STARTED: (_spec, context, event) =>
    notBefore('product release', context.product?.releasedAt, event, 'lymphodepletion start'),
  LYMPHODEPLETION_COMPLETED: (_spec, context, event) =>
    notBefore('lymphodepletion start', context.lymphodepletion?.startedAt, event, 'lymphodepletion completion'),
  INFUSION_COMPLETED: (spec, context, event) => [
    ...notBefore('lymphodepletion completion', context.lymphodepletion?.completedAt, event, 'infusion'),
    ...record.infusionCellDose(spec, context, event).reasons,
  ],
  VISIT_COMPLETED: (spec, context, event) => {
    const unknown = knownVisit(spec, event.data.visit);
    if (unknown.length) return unknown;
    const done = context.visits[event.data.visit];
    return done?.status === 'done' ? [`visit ${event.data.visit} was already completed at ${done.completedAt}`] : [];
  },
  RESPONSE_ASSESSED: (spec, context, event) => {
    const reasons = knownVisit(spec, event.data.visit);
    const allowed = [...RESPONSES_BY_CRITERIA[spec.responseCriteria], ...(spec.extraResponses ?? [])];
    if (event.data.response && !allowed.includes(event.data.response)) {
      reasons.push(`response ${event.data.response} is not a ${spec.responseCriteria} response (${allowed.join(', ')})`);
    }
    if (!event.data.response && spec.responseCriteria === 'ALL') {
      const missing = ALL_INPUTS.filter((k) => event.data[k] === undefined);
      if (missing.length) {
        reasons.push(`give the investigator's response, or all of the ALL findings (missing: ${missing.join(', ')})`);
      }
    }
    if (!event.data.response && spec.responseCriteria === 'LUGANO_2014') reasons.push(...record.luganoProblems(event.data, context.lesions));
    return [...reasons, ...notBefore('infusion', context.infusion?.infusedAt, event, 'response assessment')];
  },
  DLT_ADJUDICATED: (_spec, context, event) => {
    const onset = clinicalInstant(event.data.onset, context.infusion?.infusedAt);
    const term = String(event.data.term).toLowerCase();
    const reported = context.dlts.some((d) => d.term.toLowerCase() === term && d.onset === onset) ||
      (context.dltsOverturned ?? []).some((d) => d.term.toLowerCase() === term && d.onset === onset);
    return reported || !event.data.dlt
      ? []
      : [
          `"${event.data.term}" with onset ${onset} is not a DLT candidate on record: only an adverse event the protocol's DLT rule flagged, or one overturned before, can be adjudicated dose-limiting`,
        ];
  },
  ADVERSE_EVENT_REPORTED: (_spec, context, event) => {
    const reasons = adverseEventRefusals(event.data, record.ageAt(context, event.data.onset));
    if (event.data.onset.slice(0, 10) > event.occurredAt.slice(0, 10)) reasons.push('onset is after the date of the report');
    return reasons;
  },
};

export function refusalsFor(spec: LifecycleSpec, cohort: string | null, context: PatientContext, event: ClinicalEvent): string[] {
  return refusals[event.type]?.(spec, context, event, cohort) ?? [];
}
