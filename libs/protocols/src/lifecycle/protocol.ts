import { z } from 'zod';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import { baseEventDataSchemas } from '../events';
import { screeningDataSchema } from '../rules/screening-data';
import { describeCriteria } from '../rules/eligibility';
import type { PatientContext } from './context';
import type { LifecycleSpec } from './spec';
import { buildLifecycleMachine, type PatientMachine } from './machine';
import { refusalsFor } from './refusals';
import * as record from './record';
import { labResultAnswer } from './lab-toxicity';
import { patientSchedule, type ScheduledVisit } from './schedule';
import { escalationDesignProblems } from '../trial/trial-rules';
import { stateNamesOf } from './states';
import { isUserEventType } from '../policy/vocabulary';

export interface Protocol {
  readonly spec: LifecycleSpec;
  readonly id: string;
  readonly version: number;
  /** The cohort this variant runs, or null for a protocol without cohorts (and for the whole trial). */
  readonly cohort: string | null;
  /** The cohorts a patient registers into; empty when the trial has none. */
  readonly cohorts: string[];
  /** The variant that runs a patient of this cohort (the protocol itself when it has no cohorts). */
  forCohort(cohort: string | null): Protocol;
  readonly machine: PatientMachine;
  /** The zod schema of each event's `data`. */
  readonly eventDataSchemas: Record<ClinicalEventType, z.ZodType>;
  /** Why a well-formed event the state accepts is refused (one sentence each); empty when it is not. */
  refusals(context: PatientContext, event: ClinicalEvent): string[];
  /** What the caller is told besides the patient: BSA and doses, the AE's grade and DLT call (or the adjudicated one), the response. */
  answer(context: PatientContext, event: ClinicalEvent): Record<string, unknown> | undefined;
  schedule(context: PatientContext, now: string): ScheduledVisit[];
}

/** Builds a runnable protocol from its declarative spec: one variant per cohort where it has cohorts. */
export function buildProtocol(spec: LifecycleSpec): Protocol {
  const cohorts = spec.cohorts ?? [];
  const variants = new Map(cohorts.map(({ id, title: _title, diagnoses: _diagnoses, ...overrides }) => [id, buildVariant({ ...spec, ...overrides }, id)]));
  if (!variants.size) return buildVariant(spec, null);
  return buildVariant(spec, null, (cohort) => variants.get(cohort ?? '') ?? missingCohort(spec, cohort));
}

function buildVariant(spec: LifecycleSpec, cohort: string | null, forCohort?: (cohort: string | null) => Protocol): Protocol {
  assertCoherent(spec);
  const machine = buildLifecycleMachine(spec);
  assertMigrationCoherent(spec, stateNamesOf(machine));
  const eventDataSchemas = { ...baseEventDataSchemas, SCREENING_DATA_RECORDED: screeningDataSchema } as Record<ClinicalEventType, z.ZodType>;

  const protocol: Protocol = {
    spec,
    id: spec.id,
    version: spec.version,
    cohort,
    cohorts: (spec.cohorts ?? []).map((c) => c.id),
    forCohort: (c) => (forCohort ? forCohort(c) : c === null || c === cohort ? protocol : missingCohort(spec, c)),
    machine,
    eventDataSchemas,
    refusals: (context, event) => refusalsFor(spec, cohort, context, event),
    answer: (context, event) => answerFor(spec, context, event),
    schedule: (context, now) => patientSchedule(spec, context, now),
  };
  return protocol;
}

function missingCohort(spec: LifecycleSpec, cohort: string | null): never {
  throw new Error(`protocol ${spec.id} v${spec.version} has no cohort ${cohort}`);
}

/** A spec that cannot run as written fails when the protocol is built, not on a patient. */
function assertCoherent(spec: LifecycleSpec): void {
  const problems: string[] = [];
  const lastWindowEnd = Math.max(...spec.schedule.map((v) => v.day + v.windowAfterDays));
  if (spec.followUpDays <= lastWindowEnd) {
    problems.push(`follow-up (day ${spec.followUpDays}) must end after the last visit window closes (day ${lastWindowEnd})`);
  }
  const names = spec.schedule.map((v) => v.name);
  if (new Set(names).size !== names.length) problems.push('visit names must be unique');
  if (!names.includes(spec.primaryResponseVisit)) problems.push(`primary response visit ${spec.primaryResponseVisit} is not in the schedule`);
  for (const landmark of spec.responseLandmarks ?? []) if (!names.includes(landmark.visit)) problems.push(`response landmark ${landmark.visit} is not in the schedule`);
  if (!spec.doseLevels.length) problems.push('at least one dose level is needed');
  problems.push(...escalationDesignProblems(spec).map((problem) => `dose escalation (${spec.doseEscalation!.design}): ${problem}`));
  const range = spec.cellDoseRange;
  for (const dose of spec.doseLevels) {
    if (dose.minCellsPerKg < range.minCellsPerKg || dose.maxCellsPerKg > range.maxCellsPerKg) {
      problems.push(
        `dose level ${dose.level} (${dose.minCellsPerKg}–${dose.maxCellsPerKg} cells/kg) must lie inside the trial's range ${range.minCellsPerKg}–${range.maxCellsPerKg} cells/kg`,
      );
    }
  }
  if (problems.length) throw new Error(`Protocol ${spec.id} v${spec.version} is not coherent: ${problems.join('; ')}.`);
}

/** An amendment's migration names only states the machine has, maps each at most once, and blocks only events that exist. */
function assertMigrationCoherent(spec: LifecycleSpec, states: string[]): void {
  const migration = spec.amendment?.migration;
  if (!migration) return;
  const problems: string[] = [];
  for (const [from, to] of Object.entries(migration.states)) {
    if (!states.includes(from)) problems.push(`migration maps unknown state ${from}`);
    if (!states.includes(to)) problems.push(`migration maps ${from} to unknown state ${to}`);
    if (Object.hasOwn(migration.unmapped, from)) problems.push(`state ${from} is both mapped and unmapped`);
  }
  for (const state of Object.keys(migration.unmapped)) if (!states.includes(state)) problems.push(`migration leaves unknown state ${state} unmapped`);
  for (const type of migration.reconsent?.blocks ?? []) if (!isUserEventType(type)) problems.push(`re-consent blocks unknown event ${type}`);
  if (migration.fromVersions.some((v) => v >= spec.version)) problems.push('a migration moves patients from earlier versions only');
  if (problems.length) throw new Error(`Protocol ${spec.id} v${spec.version} is not coherent: ${problems.join('; ')}.`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's data was validated against its type's schema before; each case reads its own fields
function answerFor(spec: LifecycleSpec, context: PatientContext, event: ClinicalEvent<any>) {
  switch (event.type) {
    case 'LYMPHODEPLETION_STARTED': {
      const { lymphodepletion } = record.recordLymphodepletionStart(spec, context, event);
      return { lymphodepletion: lymphodepletion!.plan };
    }
    case 'INFUSION_COMPLETED': {
      const dose = record.infusionCellDose(spec, context, event);
      return {
        day0: event.occurredAt,
        doseLevel: record.assignedDoseLevel(spec, context).level,
        cellsPerKg: event.data.cellsPerKg,
        weightKg: dose.weightKg,
        totalCells: dose.totalCells,
      };
    }
    case 'ADVERSE_EVENT_REPORTED': {
      const { grade, scale, gradeReason, dlt, provisional, dltReason } = record.adverseEventAssessment(spec, context, event);
      return { grade, scale, gradeReason, dlt, provisional, dltReason };
    }
    case 'DLT_ADJUDICATED':
      return record.dltAdjudication(context, event);
    case 'LAB_RESULT_RECORDED':
      return labResultAnswer(spec, context, event);
    case 'RESPONSE_ASSESSED': {
      const relapse = record.relapseAfterRemission(spec, context, event);
      const lugano = spec.responseCriteria === 'LUGANO_2014' && !event.data.response;
      const reason = lugano ? { responseReason: record.luganoAssessment(event.data, context.lesions, event.occurredAt).reason } : {};
      return { ...record.assessedResponse(spec, event, context.lesions), ...reason, ...(relapse ? { relapse } : {}) };
    }
    case 'ENROLLED':
      return { doseLevel: record.assignedDoseLevel(spec, { ...context, ...record.recordEnrollment(spec, context, event) }) };
    default:
      return undefined;
  }
}

/** The protocol as a document: everything a site, a monitor or a client needs to know about it. */
export function protocolDefinition(protocol: Protocol) {
  const { spec } = protocol;
  return {
    id: spec.id,
    version: spec.version,
    title: spec.title,
    officialTitle: spec.officialTitle,
    registryId: spec.registryId,
    phase: spec.phase,
    product: spec.product,
    disease: spec.disease,
    targetEnrollment: spec.targetEnrollment,
    eligibility: describeCriteria(spec.eligibility),
    attestations: spec.attestations,
    cellDoseRange: spec.cellDoseRange,
    doseLevels: spec.doseLevels,
    lymphodepletion: spec.lymphodepletion,
    dlt: spec.dlt,
    responseCriteria: spec.responseCriteria,
    primaryResponseVisit: spec.primaryResponseVisit,
    schedule: spec.schedule,
    reminderLeadDays: spec.reminderLeadDays,
    followUpDays: spec.followUpDays,
    outcomeMeasures: spec.outcomeMeasures,
    cohorts: spec.cohorts ?? [],
    amendment: spec.amendment ?? null,
    rollover: spec.rollover ?? null,
    assumptions: spec.assumptions,
    eventData: Object.fromEntries(Object.entries(protocol.eventDataSchemas).map(([type, schema]) => [type, z.toJSONSchema(schema, { io: 'input' })])),
  };
}
