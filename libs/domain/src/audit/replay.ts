import type { AnyMachineSnapshot } from 'xstate';
import type { ClinicalEvent, ClinicalEventType, PatientDemographics, PatientInput, Protocol } from '#protocols';
import { findProtocol, parseProtocolRef, planMigration, PROTOCOL_MIGRATED, ROLLED_OVER } from '#protocols';
import * as machine from '../kernel/machine-boundary';

export interface LogEntry {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** The engine's answer to each logged event (by seq), with the record as it stood just before it. */
export type ReplayedAnswers = Map<number, Record<string, unknown> | undefined>;

export interface Replay {
  /** The machine snapshot the log ends in (its context is the patient's record); undefined without a registration. */
  final: AnyMachineSnapshot | undefined;
  /** The protocol version the log ends on: the registration's, or the last migration's. */
  protocol: Protocol;
}

/** Where a replay of a registered patient's log ends: what a further replay goes on from (`continueReplay`). */
export interface ReplayEnd {
  final: AnyMachineSnapshot;
  protocol: Protocol;
}

export interface ReplayOptions {
  /** Keep the engine's answer to each event (the exports read them, the audit does not). */
  answers?: boolean;
  /**
   * Called for an entry the machine or the protocol could not take (it threw): the entry is skipped
   * and the replay goes on. Without it (the audit), the error propagates.
   */
  onUnreadable?: (entry: LogEntry, error: unknown) => void;
}

/**
 * Replays a patient's log from registration through the protocol's machine: the snapshot it ends
 * in and, when asked for, the engine's answer to each event. The log names its own protocol: the
 * replay starts on the version the patient registered on (`protocol` when the registration does not
 * name one) and crosses to the next at each `PROTOCOL_MIGRATED`, recomputing the record the
 * migration made (a pure function of the record, the two versions and the entry's time), so each
 * event is read under the version it was recorded under.
 */
export function replayLog(protocol: Protocol, log: readonly LogEntry[]): Replay;
export function replayLog(protocol: Protocol, log: readonly LogEntry[], options: ReplayOptions & { answers: true }): Replay & { answers: ReplayedAnswers };
export function replayLog(protocol: Protocol, log: readonly LogEntry[], options: ReplayOptions = {}): Replay & { answers?: ReplayedAnswers } {
  const answers: ReplayedAnswers | undefined = options.answers ? new Map() : undefined;
  const registration = log.find((e) => e.type === 'PATIENT_REGISTERED');
  if (!registration) return { final: undefined, protocol, ...(answers ? { answers } : {}) };
  const data = (registration.data ?? {}) as unknown as PatientDemographics & { protocol?: string; rollover?: PatientInput['rollover'] };
  const current = registeredOn(protocol, data.protocol);
  const input: PatientInput = {
    patient: { subjectId: data.subjectId, sex: data.sex, birthDate: data.birthDate, weightKg: data.weightKg, heightCm: data.heightCm },
    ...(data.rollover ? { rollover: data.rollover } : {}),
  };
  const started = { final: machine.startMachine(current, input).snapshot, protocol: current };
  return continueReplay(
    started,
    log.filter((e) => e !== registration),
    options,
  );
}

/**
 * Replays further entries onto a replay's end (`from`: the snapshot and the protocol version a
 * replay of the earlier entries ended in), as `replayLog` does past the registration: a read model
 * that keeps a replay's end folds the entries added since without reading the log again.
 */
export function continueReplay(from: ReplayEnd, log: readonly LogEntry[]): ReplayEnd;
export function continueReplay(from: ReplayEnd, log: readonly LogEntry[], options: ReplayOptions & { answers: true }): ReplayEnd & { answers: ReplayedAnswers };
export function continueReplay(from: ReplayEnd, log: readonly LogEntry[], options?: ReplayOptions): ReplayEnd & { answers?: ReplayedAnswers };
export function continueReplay(from: ReplayEnd, log: readonly LogEntry[], options: ReplayOptions = {}): ReplayEnd & { answers?: ReplayedAnswers } {
  const answers: ReplayedAnswers | undefined = options.answers ? new Map() : undefined;
  let { final: snapshot, protocol: current } = from;
  for (const entry of log) {
    if (entry.type === ROLLED_OVER) continue;
    try {
      if (entry.type === PROTOCOL_MIGRATED) {
        ({ protocol: current, snapshot } = replayMigration(current, snapshot, entry));
        continue;
      }
      const event: ClinicalEvent = { type: entry.type as ClinicalEventType, occurredAt: entry.occurredAt, data: entry.data };
      const answer = answers ? current.answer(machine.contextOf(snapshot), event) : undefined;
      snapshot = machine.stepMachine(current, snapshot, event).next;
      answers?.set(entry.seq, answer);
    } catch (error) {
      if (!options.onUnreadable) throw error;
      options.onUnreadable(entry, error);
    }
  }
  return { final: snapshot, protocol: current, ...(answers ? { answers } : {}) };
}

/** The version the registration names (the cohort's variant of it), or `fallback` for a registration that names none. */
function registeredOn(fallback: Protocol, ref: string | undefined): Protocol {
  const named = ref ? parseProtocolRef(ref) : undefined;
  if (!named) return fallback;
  const found = findProtocol(named.id, named.version);
  if (!found) throw new Error(`the registration names ${ref}, which the engine does not run`);
  return found.forCohort(fallback.cohort);
}

function replayMigration(from: Protocol, snapshot: AnyMachineSnapshot, entry: LogEntry): { protocol: Protocol; snapshot: AnyMachineSnapshot } {
  const named = parseProtocolRef(String(entry.data.to ?? ''));
  const to = named && named.id === from.id ? findProtocol(named.id, named.version)?.forCohort(from.cohort) : undefined;
  if (!to) throw new Error(`the migration names ${String(entry.data.to)}, not a version of ${from.id}`);
  const subject = { version: from.version, state: machine.stateName(snapshot), context: machine.contextOf(snapshot), pending: [], settled: [] };
  const plan = planMigration(from.spec, to.spec, subject, entry.occurredAt);
  if (!plan.toState) throw new Error(`the migration to ${to.id}@${to.version} cannot be replayed: ${plan.refusals.join('; ')}`);
  return { protocol: to, snapshot: machine.migrateMachine(to, plan.toState, plan.context) };
}
