import type { ClinicalEvent } from '../events';
import type { PatientContext } from './context';
import type { LifecycleSpec } from './spec';
import { evaluateEligibility } from '../rules/eligibility';
import * as record from './record';
import { clinicalInstant } from './clinical-time';
import { amendmentName } from './amend';
import { adverseEventRefusals } from '../rules/ctcae';
import { beforeBirthRefusals } from '../rules/clinical-dates';
import { bodySizeProblem } from '../rules/body-size';
import { screeningRecordRefusals } from '../rules/screening-data';
import { ALL_REQUIRED_FINDINGS, RESPONSES_BY_CRITERIA } from '../policy/values';
import { proposalRefusals } from './lab-toxicity';
import { custodyRefusals } from './custody';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's data was validated against its type's schema before; each rule reads its own event's fields
type Refusal = (spec: LifecycleSpec, context: PatientContext, event: ClinicalEvent<any>, cohort: string | null) => string[];

const knownVisit = (spec: LifecycleSpec, visit: string): string[] =>
  spec.schedule.some((v) => v.name === visit) ? [] : [`visit ${visit} is not in this protocol's schedule (visits: ${spec.schedule.map((v) => v.name).join(', ')})`];

const notBefore = (label: string, at: string | undefined, event: ClinicalEvent, what: string): string[] =>
  at && event.occurredAt < at ? [`${what} at ${event.occurredAt} is before the ${label} at ${at}`] : [];

/**
 * The steps of the lifecycle on record, in the order they happen. Each step is dated no earlier than
 * the one before it (consent and screening may precede registration: a site enters paper records
 * later), and leaving the study is dated no earlier than the last step taken.
 */
const milestones = (context: PatientContext): Array<{ label: string; at: string | undefined }> => [
  { label: 'consent', at: context.consent?.signedAt },
  { label: 'eligibility sign-off', at: context.eligibility?.confirmedAt },
  { label: 'enrollment', at: context.enrollment?.enrolledAt },
  { label: 'leukapheresis', at: context.leukapheresisAt },
  { label: 'product release', at: context.product?.releasedAt },
  { label: 'lymphodepletion start', at: context.lymphodepletion?.startedAt },
  { label: 'lymphodepletion completion', at: context.lymphodepletion?.completedAt },
  { label: 'infusion', at: context.infusion?.infusedAt },
];

function notBeforeLastStep(context: PatientContext, event: ClinicalEvent, what: string): string[] {
  const last = milestones(context).reduce<{ label: string; at: string } | undefined>(
    (latest, m) => (m.at && (!latest || m.at > latest.at) ? { label: m.label, at: m.at } : latest),
    undefined,
  );
  return last ? notBefore(last.label, last.at, event, what) : [];
}

/** A height and weight that cannot be one person's (rules/body-size.ts), the values on record filling in what the event leaves out. */
function bodySize(context: PatientContext, given: { heightCm?: number; weightKg?: number }): string[] {
  const heightCm = given.heightCm ?? context.patient.heightCm;
  const weightKg = given.weightKg ?? context.patient.weightKg;
  const problem = bodySizeProblem(heightCm, weightKg);
  return problem ? [problem] : [];
}

/**
 * Rules that refuse a well-formed event the current state accepts (HTTP 422). Each returns one plain
 * sentence per unmet rule; an empty list lets the event through.
 */
const refusals: Partial<Record<string, Refusal>> = {
  SCREENING_DATA_RECORDED: (_spec, context, event) => screeningRecordRefusals(context.screening, event.data),
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
      diagnoses && diagnosis && !diagnoses.includes(diagnosis) ? [`diagnosis ${diagnosis} does not belong to the ${cohort} cohort (${diagnoses.join(', ')})`] : [];
    const afterConsent = notBefore('consent', context.consent?.signedAt, event, 'eligibility sign-off');
    return [...consent, ...afterConsent, ...unknown, ...wrongCohort, ...eligibility.reasons];
  },
  CONSENT_SIGNED: (spec, context, event) => {
    const due = context.reconsent?.status === 'due' ? context.reconsent : undefined;
    if (due && event.data.consentVersion !== due.consentVersion) {
      return [
        `re-consent to consent version ${due.consentVersion} (${amendmentName({ id: spec.id, version: due.amendment })}) is due: consent version ${event.data.consentVersion} does not lift it`,
      ];
    }
    if (!due && context.eligibility) {
      return [`no re-consent is due: consent version ${context.consent?.version ?? '(none)'} was signed at screening, and no amendment has asked for another`];
    }
    return [];
  },
  RECONSENT_DECLINED: (_spec, context, event) => {
    const due = context.reconsent?.status === 'due' ? context.reconsent : undefined;
    if (!due) return ['no re-consent is due: there is nothing to decline'];
    return event.data.consentVersion === due.consentVersion ? [] : [`the re-consent due is to consent version ${due.consentVersion}, not ${event.data.consentVersion}`];
  },
  ENROLLED: (_spec, context, event) => notBefore('eligibility sign-off', context.eligibility?.confirmedAt, event, 'enrollment'),
  LEUKAPHERESIS_COMPLETED: (_spec, context, event) => notBefore('enrollment', context.enrollment?.enrolledAt, event, 'leukapheresis'),
  PRODUCT_RELEASED: (_spec, context, event) => notBefore('leukapheresis', context.leukapheresisAt, event, 'product release'),
  MANUFACTURING_FAILED: (_spec, context, event) => notBefore('leukapheresis', context.leukapheresisAt, event, 'manufacturing failure'),
  LYMPHODEPLETION_STARTED: (_spec, context, event) => [
    ...notBefore('product release', context.product?.releasedAt, event, 'lymphodepletion start'),
    ...bodySize(context, event.data),
  ],
  LYMPHODEPLETION_COMPLETED: (_spec, context, event) => notBefore('lymphodepletion start', context.lymphodepletion?.startedAt, event, 'lymphodepletion completion'),
  INFUSION_COMPLETED: (spec, context, event) => [
    ...notBefore('lymphodepletion completion', context.lymphodepletion?.completedAt, event, 'infusion'),
    ...bodySize(context, { weightKg: event.data.weightKg }),
    ...record.infusionCellDose(spec, context, event).reasons,
  ],
  VISIT_COMPLETED: (spec, context, event) => {
    const unknown = knownVisit(spec, event.data.visit);
    if (unknown.length) return unknown;
    const early = notBefore('infusion', context.infusion?.infusedAt, event, `visit ${event.data.visit}`);
    if (early.length) return early;
    const done = context.visits[event.data.visit];
    if (done?.status === 'done') return [`visit ${event.data.visit} was already completed at ${done.completedAt}`];
    if (done?.status === 'notRequired') return [`visit ${event.data.visit} is not required of this patient: ${done.reason}`];
    const wanted = spec.schedule.find((v) => v.name === event.data.visit)?.findings ?? [];
    const missing = wanted.filter((key) => typeof event.data.findings?.[key] !== 'boolean');
    return missing.length ? [`visit ${event.data.visit} records whether each of these is new since the last visit (findings, true or false): ${missing.join(', ')}`] : [];
  },
  RESPONSE_ASSESSED: (spec, context, event) => {
    const reasons = knownVisit(spec, event.data.visit);
    const allowed: string[] = [...RESPONSES_BY_CRITERIA[spec.responseCriteria], ...(spec.extraResponses ?? [])];
    if (event.data.response && !allowed.includes(event.data.response)) {
      reasons.push(`response ${event.data.response} is not a ${spec.responseCriteria} response (${allowed.join(', ')})`);
    }
    if (!event.data.response && spec.responseCriteria === 'ALL') {
      const missing = ALL_REQUIRED_FINDINGS.filter((k) => event.data[k] === undefined);
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
    const reported =
      context.dlts.some((d) => d.term.toLowerCase() === term && d.onset === onset) ||
      (context.dltsOverturned ?? []).some((d) => d.term.toLowerCase() === term && d.onset === onset);
    return reported || !event.data.dlt
      ? []
      : [
          `"${event.data.term}" with onset ${onset} is not a DLT candidate on record: only an adverse event the protocol's DLT rule flagged, or one overturned before, can be adjudicated dose-limiting`,
        ];
  },
  ADVERSE_EVENT_REPORTED: (_spec, context, event) => {
    const reasons = adverseEventRefusals(event.data, record.ageAt(context, event.data.onset));
    if (event.data.labProposal !== undefined) reasons.push(...proposalRefusals(context, event.data.labProposal, event.data.term));
    if (event.data.onset.slice(0, 10) > event.occurredAt.slice(0, 10)) reasons.push('onset is after the date of the report');
    // An event before consent is the patient's history, not an adverse event of the trial.
    const consentDay = context.consent?.signedAt.slice(0, 10);
    if (consentDay && clinicalInstant(event.data.onset).slice(0, 10) < consentDay) {
      reasons.push(`onset ${event.data.onset} is before the consent on ${consentDay}: an event before consent is medical history, not an adverse event of the trial`);
    }
    return reasons;
  },
  LAB_TOXICITY_DISMISSED: (_spec, context, event) => proposalRefusals(context, event.data.proposal),
  PROGRESSION_OR_RELAPSE: (_spec, context, event) => notBefore('infusion', context.infusion?.infusedAt, event, 'progression or relapse'),
  UNSCHEDULED_VISIT_COMPLETED: (_spec, context, event) => notBefore('infusion', context.infusion?.infusedAt, event, 'unscheduled visit'),
  WITHDRAWN: (_spec, context, event) => notBeforeLastStep(context, event, 'withdrawal'),
  DEATH: (_spec, context, event) => notBeforeLastStep(context, event, 'death'),
  LOST_TO_FOLLOW_UP: (_spec, context, event) => notBeforeLastStep(context, event, 'loss to follow-up'),
};

/** The date that places a late entry in time: an AE's onset, a sample's collection, when an assessment or a visit took place. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's data was validated against its type's schema before; each entry reads its own event's fields
const LATE_ENTRY_DATES: Partial<Record<string, (event: ClinicalEvent<any>) => { what: string; at: string }>> = {
  ADVERSE_EVENT_REPORTED: (event) => ({ what: `onset ${event.data.onset}`, at: event.data.onset }),
  LAB_RESULT_RECORDED: (event) => ({ what: `collectedAt ${event.data.collectedAt}`, at: event.data.collectedAt }),
  RESPONSE_ASSESSED: (event) => ({ what: `the ${event.data.visit} assessment at ${event.occurredAt}`, at: event.occurredAt }),
  VISIT_COMPLETED: (event) => ({ what: `visit ${event.data.visit} at ${event.occurredAt}`, at: event.occurredAt }),
  UNSCHEDULED_VISIT_COMPLETED: (event) => ({ what: `the unscheduled visit at ${event.occurredAt}`, at: event.occurredAt }),
  PROTOCOL_DEVIATION_RECORDED: (event) => ({ what: `the deviation at ${event.occurredAt}`, at: event.occurredAt }),
};

/**
 * After the patient left the study only its time on study can be entered: a late entry dated after
 * the day it left (UTC calendar days, as an AE's onset is compared with its report) is refused. An
 * AE that began after withdrawal is not an adverse event of the trial's treatment period, and a death
 * ends everything.
 */
function afterLeaving(context: PatientContext, event: ClinicalEvent): string[] {
  const left = context.offStudy;
  const dated = LATE_ENTRY_DATES[event.type]?.(event);
  if (!left || !dated) return [];
  const leftOn = left.at.slice(0, 10);
  return clinicalInstant(dated.at).slice(0, 10) > leftOn
    ? [`${dated.what} is after the patient left the study on ${leftOn} (${left.reason}): after leaving, only data about the time on study can be entered`]
    : [];
}

/** Every date of the event on or after the birth date, then the event's own rules, then (off study) no later than the day the patient left. */
export function refusalsFor(spec: LifecycleSpec, cohort: string | null, context: PatientContext, event: ClinicalEvent): string[] {
  return [
    ...beforeBirthRefusals(event, context.patient.birthDate),
    ...(refusals[event.type]?.(spec, context, event, cohort) ?? []),
    ...custodyRefusals(spec, context, event),
    ...afterLeaving(context, event),
    ...reconsentGate(spec, context, event),
  ];
}

/**
 * While the re-consent an amendment asks for is due, the steps it names are refused when dated at or
 * after the migration; what was done before it, under the consent then in force, can still be entered,
 * and safety reports (AEs, labs, death, withdrawal) are never held back.
 */
function reconsentGate(spec: LifecycleSpec, context: PatientContext, event: ClinicalEvent): string[] {
  const due = context.reconsent;
  if (due?.status !== 'due' || !due.blocks.includes(event.type) || event.occurredAt < due.dueSince) return [];
  return [
    `re-consent is due: ${amendmentName({ id: spec.id, version: due.amendment })} requires consent version ${due.consentVersion} before ${event.type}; record CONSENT_SIGNED with consentVersion ${due.consentVersion} (or RECONSENT_DECLINED) first`,
  ];
}
