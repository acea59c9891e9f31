import type { AnyMachineSnapshot } from 'xstate';
import type { ClinicalEvent, ClinicalEventType, PatientDemographics, Protocol } from '#protocols';
import * as machine from '../engine/machine-boundary';

export interface LogEntry {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/**
 * Replays a patient's log from registration through the protocol's machine: the snapshot it ends
 * in, and the engine's answer to each event with the record as it stood just before it.
 */
export function replayLog(protocol: Protocol, log: readonly LogEntry[]) {
  const answers = new Map<number, Record<string, unknown> | undefined>();
  const registration = log.find((e) => e.type === 'PATIENT_REGISTERED');
  if (!registration) return { snapshot: undefined, answers };
  const p = registration.data as unknown as PatientDemographics;
  let snapshot: AnyMachineSnapshot = machine.startMachine(protocol, {
    patient: { subjectId: p.subjectId, sex: p.sex, birthDate: p.birthDate, weightKg: p.weightKg, heightCm: p.heightCm },
  }).snapshot;
  for (const entry of log) {
    if (entry === registration) continue;
    const event: ClinicalEvent = { type: entry.type as ClinicalEventType, occurredAt: entry.occurredAt, data: entry.data };
    answers.set(entry.seq, protocol.answer(machine.contextOf(snapshot), event));
    snapshot = machine.stepMachine(protocol, snapshot, event).next;
  }
  return { snapshot: machine.persistSnapshot(protocol, snapshot), answers };
}
