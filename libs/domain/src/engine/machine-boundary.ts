import { createActor, initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { ClinicalEvent, PatientContext, PatientInput, Protocol } from '#protocols';
import { isSchedulerEventType } from '#protocols';

/**
 * The one place that touches XState: start, restore, step and describe a patient's machine.
 * Everything here is pure; the engine persists what it returns.
 */

export type PersistedSnapshot = Record<string, unknown>;

export interface MachineAction {
  type: string;
  params?: Record<string, unknown>;
}

export function startMachine(protocol: Protocol, input: PatientInput) {
  const [snapshot, actions] = initialTransition(protocol.machine, input);
  return { snapshot: snapshot as AnyMachineSnapshot, actions: actions as MachineAction[] };
}

/** Restores with the machine's own restore (not `resolveState`), so history states survive. */
export function restoreMachine(protocol: Protocol, persisted: PersistedSnapshot): AnyMachineSnapshot {
  return createActor(protocol.machine, { snapshot: persisted } as never).getSnapshot() as AnyMachineSnapshot;
}

/**
 * One pure step. `changed` is false when no transition was enabled: the same snapshot came back and
 * no action. (A transition that only acts, e.g. a notice, returns the same snapshot with its actions.)
 */
export function stepMachine(protocol: Protocol, snapshot: AnyMachineSnapshot, event: ClinicalEvent) {
  const [next, actions] = transition(protocol.machine, snapshot as never, event as never);
  return {
    previous: snapshot,
    next: next as AnyMachineSnapshot,
    actions: actions as MachineAction[],
    changed: next !== snapshot || actions.length > 0,
  };
}

export function persistSnapshot(protocol: Protocol, snapshot: AnyMachineSnapshot): PersistedSnapshot {
  return protocol.machine.getPersistedSnapshot(snapshot as never) as unknown as PersistedSnapshot;
}

/** Event types the active states handle, split into those people post and those the scheduler raises. */
export function handledEvents(snapshot: AnyMachineSnapshot): { posted: string[]; scheduled: string[] } {
  if (snapshot.status !== 'active') return { posted: [], scheduled: [] };
  const all = new Set<string>();
  for (const node of snapshot._nodes) for (const type of node.ownEvents) if (!type.startsWith('xstate.')) all.add(type);
  const types = [...all].sort();
  return { posted: types.filter((t) => !isSchedulerEventType(t)), scheduled: types.filter(isSchedulerEventType) };
}

/**
 * The state a site names the patient by: the top-level state, or inside the post-infusion phase the
 * step of its course (`dltWindow`, `responseAssessment`, `followUp`).
 */
export function stateName(snapshot: AnyMachineSnapshot): string {
  const value = snapshot.value as string | Record<string, unknown>;
  if (typeof value === 'string') return value;
  const [top, inner] = Object.entries(value)[0];
  const course = (inner as Record<string, unknown>)?.course;
  return typeof course === 'string' ? course : top;
}

export function contextOf(snapshot: AnyMachineSnapshot): PatientContext {
  return snapshot.context as PatientContext;
}
