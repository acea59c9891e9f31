import { z } from 'zod';
import type { PatientContext } from './context';
import type { LifecycleSpec, MigrationSpec } from './spec';
import { dltWindowTimers, followUpTimers, type PlannedTimer, visitsClosedBefore } from './timers';
import { addDays } from './clinical-time';
import { amendmentName } from './amend';

/**
 * A patient moved to a new protocol version by its amendment (docs/design.md, section "Amendments"):
 * the state mapped, the record kept with what the amendment adds to it, and the future timers
 * re-derived from the record under the new schedule. Pure: the engine writes what it returns, and
 * the audit's replay computes the same record from the migration's log entry.
 */

/** The patient as the migration reads it. */
export interface MigrationSubject {
  version: number;
  /** The state as the patient row names it (`screening`, `dltWindow`, `followUp`, `died`…). */
  state: string;
  context: PatientContext;
  /** Pending timers, by send id. */
  pending: PlannedTimer[];
  /** Send ids of timers already fired or skipped: never raised again. */
  settled: string[];
}

export interface TimerChange {
  sendId: string;
  type: string;
  data: Record<string, unknown>;
  dueAt: string;
  /** For a moved timer, the due date it had. */
  from?: string;
}

export interface MigrationPlan {
  fromVersion: number;
  toVersion: number;
  fromState: string;
  /** The state under the new version; null when the patient cannot be migrated. */
  toState: string | null;
  /** Why the patient cannot be migrated (empty when it can). */
  refusals: string[];
  /** The record under the new version. */
  context: PatientContext;
  visits: { added: string[]; dropped: string[]; notRequired: Array<{ visit: string; reason: string }> };
  timers: { kept: TimerChange[]; added: TimerChange[]; moved: TimerChange[]; cancelled: TimerChange[] };
  /** The re-consent the patient owes after the migration, if any. */
  reconsent: PatientContext['reconsent'] | null;
}

/** The states of the follow-up phase (post infusion), where the follow-up timers run; `dltWindow` runs the DLT window's as well. */
const FOLLOW_UP_PHASE = ['dltWindow', 'responseAssessment', 'followUp'];

export function planMigration(from: LifecycleSpec, to: LifecycleSpec, subject: MigrationSubject, at: string): MigrationPlan {
  const migration = to.amendment?.migration;
  const refusals: string[] = [];
  if (!migration) refusals.push(`${to.id} v${to.version} has no migration: it reaches only patients registered on it`);
  else if (!migration.fromVersions.includes(subject.version)) {
    refusals.push(`${amendmentName(to)} moves patients of version ${migration.fromVersions.join(' or ')}, not of version ${subject.version}`);
  }
  const toState = migration ? mappedState(migration, subject.state, refusals, amendmentName(to)) : null;
  const scheduleNames = (spec: LifecycleSpec) => spec.schedule.map((v) => v.name);
  const added = scheduleNames(to).filter((name) => !scheduleNames(from).includes(name));
  const dropped = scheduleNames(from).filter((name) => !scheduleNames(to).includes(name));
  const empty = { kept: [], added: [], moved: [], cancelled: [] };
  if (refusals.length || !toState || !migration) {
    return {
      fromVersion: subject.version,
      toVersion: to.version,
      fromState: subject.state,
      toState: null,
      refusals,
      context: subject.context,
      visits: { added, dropped, notRequired: [] },
      timers: empty,
      reconsent: null,
    };
  }

  let context = subject.context;
  const day0 = context.infusion?.infusedAt;
  if (day0) {
    const planned = Object.fromEntries(added.map((name) => [name, { status: 'planned' as const }]));
    context = { ...context, visits: { ...planned, ...context.visits } };
    context = { ...context, visits: { ...context.visits, ...visitsClosedBefore(to, context, at, added, `${amendmentName(to)} reached the patient`) } };
  }
  if (toState === 'dltWindow' && day0) context = { ...context, dltWindow: { ...context.dltWindow, closesAt: addDays(day0, to.dlt.windowDays) } };
  const reconsent =
    migration.reconsent && context.consent?.version !== migration.reconsent.consentVersion
      ? { consentVersion: migration.reconsent.consentVersion, amendment: to.version, dueSince: at, status: 'due' as const, blocks: migration.reconsent.blocks, addedVisits: added }
      : null;
  context = {
    ...context,
    ...(reconsent ? { reconsent } : {}),
    migrations: [...(context.migrations ?? []), { from: subject.version, to: to.version, at, fromState: subject.state, toState }],
  };
  const notRequired = added.flatMap((visit) => (context.visits[visit]?.status === 'notRequired' ? [{ visit, reason: context.visits[visit].reason ?? '' }] : []));
  return {
    fromVersion: subject.version,
    toVersion: to.version,
    fromState: subject.state,
    toState,
    refusals: [],
    context,
    visits: { added, dropped, notRequired },
    timers: diffTimers(expectedTimers(to, context, toState), subject, at),
    reconsent,
  };
}

function mappedState(migration: MigrationSpec, state: string, refusals: string[], amendment: string): string | null {
  const mapped = Object.hasOwn(migration.states, state) ? migration.states[state] : undefined;
  if (mapped) return mapped;
  const why = Object.hasOwn(migration.unmapped, state) ? migration.unmapped[state] : 'the amendment does not say where it goes';
  refusals.push(`state ${state} is not mapped by ${amendment}: ${why}`);
  return null;
}

/** The timers the record calls for in a state of the new version. */
function expectedTimers(spec: LifecycleSpec, context: PatientContext, state: string): PlannedTimer[] {
  if (!FOLLOW_UP_PHASE.includes(state) || context.offStudy) return [];
  return [...followUpTimers(spec, context), ...(state === 'dltWindow' ? dltWindowTimers(spec, context) : [])];
}

/**
 * Each expected timer against the pending ones: the same due date is kept, another is moved; one
 * already fired is never raised again; one not pending yet is added, due no earlier than the
 * migration (a reminder of a visit whose window is open fires at once). A pending timer the new
 * version does not call for is cancelled.
 */
function diffTimers(expected: PlannedTimer[], subject: MigrationSubject, at: string): MigrationPlan['timers'] {
  const pending = new Map(subject.pending.map((t) => [t.sendId, t]));
  const out: MigrationPlan['timers'] = { kept: [], added: [], moved: [], cancelled: [] };
  const wanted = new Set<string>();
  for (const timer of expected) {
    if (subject.settled.includes(timer.sendId)) continue;
    wanted.add(timer.sendId);
    const existing = pending.get(timer.sendId);
    if (existing && existing.dueAt === timer.dueAt) out.kept.push(change(timer));
    else if (existing) out.moved.push({ ...change(timer), dueAt: timer.dueAt > at ? timer.dueAt : at, from: existing.dueAt });
    else out.added.push({ ...change(timer), dueAt: timer.dueAt > at ? timer.dueAt : at });
  }
  for (const timer of subject.pending) if (!wanted.has(timer.sendId)) out.cancelled.push(change(timer));
  return out;
}

const change = (timer: PlannedTimer): TimerChange => ({ sendId: timer.sendId, type: timer.type, data: timer.data, dueAt: timer.dueAt });

/** The entries the engine itself writes into a patient's log besides the machine's events. */
export const PROTOCOL_MIGRATED = 'PROTOCOL_MIGRATED';
export const ROLLED_OVER = 'ROLLED_OVER';

const protocolRef = z.string().regex(/^[A-Za-z0-9-]+@\d+$/, 'is not <protocol>@<version>');
const timerRef = z.object({ sendId: z.string(), dueAt: z.string(), from: z.string().optional() }).strict();

/**
 * A migration's log entry: the versions it moved between, the state it mapped, and what it did to
 * the visits and timers. A replay of the log needs only `to` (the record under the new version is a
 * pure function of the record before it, the two specs and the entry's time); the rest is what the
 * investigator signed, kept for the reader.
 */
export const protocolMigratedSchema = z
  .object({
    from: protocolRef,
    to: protocolRef,
    fromState: z.string(),
    toState: z.string(),
    visits: z.object({ added: z.array(z.string()), dropped: z.array(z.string()), notRequired: z.array(z.object({ visit: z.string(), reason: z.string() }).strict()) }).strict(),
    timers: z.object({ added: z.array(timerRef), moved: z.array(timerRef), cancelled: z.array(timerRef) }).strict(),
    reconsent: z.object({ consentVersion: z.string(), before: z.string() }).strict().nullable(),
    siteApproval: z.object({ approvedOn: z.string(), reference: z.string() }).strict().nullable(),
  })
  .strict();
export type ProtocolMigratedData = z.infer<typeof protocolMigratedSchema>;

/** The parent trial's entry when its patient rolls over into long-term follow-up: where the record goes on. */
export const rolledOverSchema = z.object({ to: protocolRef, patientId: z.string(), subjectId: z.string() }).strict();

/** The log entry's data of a migration plan that can be carried out. */
export function migrationEntryData(from: LifecycleSpec, to: LifecycleSpec, plan: MigrationPlan, siteApproval: ProtocolMigratedData['siteApproval']): ProtocolMigratedData {
  const ref = (t: TimerChange) => ({ sendId: t.sendId, dueAt: t.dueAt, ...(t.from ? { from: t.from } : {}) });
  const reconsent = to.amendment?.migration?.reconsent;
  return {
    from: `${from.id}@${plan.fromVersion}`,
    to: `${to.id}@${to.version}`,
    fromState: plan.fromState,
    toState: plan.toState!,
    visits: plan.visits,
    timers: { added: plan.timers.added.map(ref), moved: plan.timers.moved.map(ref), cancelled: plan.timers.cancelled.map(ref) },
    reconsent: plan.reconsent && reconsent ? { consentVersion: reconsent.consentVersion, before: reconsent.before } : null,
    siteApproval,
  };
}

/** `cd19-rr-all@3` → its id and version. */
export function parseProtocolRef(ref: string): { id: string; version: number } | undefined {
  const match = /^([A-Za-z0-9-]+)@(\d+)$/.exec(ref);
  return match ? { id: match[1], version: Number(match[2]) } : undefined;
}
