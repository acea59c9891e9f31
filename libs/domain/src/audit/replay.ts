import type { AnyMachineSnapshot } from 'xstate';
import type { ClinicalEvent, ClinicalEventType, PatientDemographics, Protocol } from '#protocols';
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
 * in and, when asked for, the engine's answer to each event.
 */
export function replayLog(protocol: Protocol, log: readonly LogEntry[]): Replay;
export function replayLog(protocol: Protocol, log: readonly LogEntry[], options: ReplayOptions & { answers: true }): Replay & { answers: ReplayedAnswers };
export function replayLog(protocol: Protocol, log: readonly LogEntry[], options: ReplayOptions = {}): Replay & { answers?: ReplayedAnswers } {
  const answers: ReplayedAnswers | undefined = options.answers ? new Map() : undefined;
  const registration = log.find((e) => e.type === 'PATIENT_REGISTERED');
  if (!registration) return { final: undefined, ...(answers ? { answers } : {}) };
  const p = (registration.data ?? {}) as unknown as PatientDemographics;
  let snapshot: AnyMachineSnapshot = machine.startMachine(protocol, {
    patient: { subjectId: p.subjectId, sex: p.sex, birthDate: p.birthDate, weightKg: p.weightKg, heightCm: p.heightCm },
  }).snapshot;
  for (const entry of log) {
    if (entry === registration) continue;
    const event: ClinicalEvent = { type: entry.type as ClinicalEventType, occurredAt: entry.occurredAt, data: entry.data };
    try {
      const answer = answers ? protocol.answer(machine.contextOf(snapshot), event) : undefined;
      snapshot = machine.stepMachine(protocol, snapshot, event).next;
      answers?.set(entry.seq, answer);
    } catch (error) {
      if (!options.onUnreadable) throw error;
      options.onUnreadable(entry, error);
    }
  }
  return { final: snapshot, ...(answers ? { answers } : {}) };
}
