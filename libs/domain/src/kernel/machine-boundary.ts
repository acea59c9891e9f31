import { createActor, initialTransition } from 'xstate';
import type { AnyActorScope, AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { ClinicalEvent, PatientContext, PatientInput, Protocol } from '#protocols';
import { isSchedulerEventType, OFF_STUDY, stateValueOf } from '#protocols';

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

/**
 * An inert actor scope per machine: what XState's `transition` builds on every call (its
 * `createInertActorScope`: an actor that is never started, no-op effects), built here once. Building
 * it creates an actor, which computes the machine's initial snapshot: on every event that cost more
 * than the transition itself. Machines here spawn no children, so one scope can serve every step;
 * steps are synchronous, so the action collector set for one step is never seen by another.
 */
const scopes = new WeakMap<AnyStateMachine, { scope: AnyActorScope; collect(into: unknown[]): void }>();

function inertScope(logic: AnyStateMachine) {
  let cached = scopes.get(logic);
  if (!cached) {
    const self = createActor(logic);
    let collected: unknown[] = [];
    const scope = {
      self,
      system: self.system,
      id: '',
      sessionId: '',
      defer: () => undefined,
      emit: () => undefined,
      logger: () => undefined,
      stopChild: () => undefined,
      actionExecutor: (action: unknown) => collected.push(action),
    } as unknown as AnyActorScope;
    cached = { scope, collect: (into) => (collected = into) };
    scopes.set(logic, cached);
  }
  return cached;
}

/** Restores with the machine's own restore (what `createActor(machine, { snapshot })` does, not `resolveState`), so history states survive. */
export function restoreMachine(protocol: Protocol, persisted: PersistedSnapshot): AnyMachineSnapshot {
  const restored = restore(protocol, persisted);
  return storedAsFinal(restored) ? restore(protocol, { ...persisted, status: 'active' }) : restored;
}

function restore(protocol: Protocol, persisted: PersistedSnapshot): AnyMachineSnapshot {
  return protocol.machine.restoreSnapshot(persisted as never, inertScope(protocol.machine).scope) as AnyMachineSnapshot;
}

/**
 * A stored snapshot as the machine reads it now. Until ADR 0005 the off-study states were final, so
 * a patient who had left was stored with status `done`; its state is no longer final and takes late
 * entries, so it is read as `active`. Nothing else is touched: what the audit compares with a replay
 * of the log is this, so a stored snapshot is what the log gives, or it is reported.
 */
export function currentSnapshot(protocol: Protocol, persisted: PersistedSnapshot): PersistedSnapshot {
  return persisted.status === 'done' && storedAsFinal(restore(protocol, persisted)) ? { ...persisted, status: 'active' } : persisted;
}

/** Stored `done` in an off-study state that is no longer final (the earlier machine's record of a patient who had left). */
function storedAsFinal(restored: AnyMachineSnapshot): boolean {
  return restored.status === 'done' && restored.hasTag(OFF_STUDY) && !restored._nodes.some((node) => node.type === 'final');
}

/** Whether the patient is off study: in a state tagged `offStudy`, final or not (withdrawn, died, completed…). */
export function isOffStudy(snapshot: AnyMachineSnapshot): boolean {
  return snapshot.hasTag(OFF_STUDY);
}

/** Whether the event took the patient off study: leaving ends every pending timer. */
export function leftStudy(step: { previous: AnyMachineSnapshot; next: AnyMachineSnapshot }): boolean {
  return isOffStudy(step.next) && !isOffStudy(step.previous);
}

/**
 * One pure step. `changed` is false when no transition was enabled: the same snapshot came back and
 * no action. (A transition that only acts, e.g. a notice, returns the same snapshot with its actions.)
 */
export function stepMachine(protocol: Protocol, snapshot: AnyMachineSnapshot, event: ClinicalEvent) {
  const actions: MachineAction[] = [];
  const { scope, collect } = inertScope(protocol.machine);
  collect(actions);
  const next = protocol.machine.transition(snapshot as never, event as never, scope) as AnyMachineSnapshot;
  collect([]);
  if (Object.keys(next.children).length) throw new Error(`${protocol.machine.id}: a patient machine may not start a child actor (the inert scope is shared)`);
  return {
    previous: snapshot,
    next: next as AnyMachineSnapshot,
    actions: actions as MachineAction[],
    changed: next !== snapshot || actions.length > 0,
  };
}

/**
 * The snapshot of a patient moved to another protocol version: the new machine in the mapped state
 * (the regions of a parallel state start where they start), with the record the migration computed.
 * No entry action runs: the migration derives the timers itself.
 */
export function migrateMachine(to: Protocol, state: string, context: PatientContext): AnyMachineSnapshot {
  return to.machine.resolveState({ value: stateValueOf(state) as never, context }) as AnyMachineSnapshot;
}

export function persistSnapshot(protocol: Protocol, snapshot: AnyMachineSnapshot): PersistedSnapshot {
  return protocol.machine.getPersistedSnapshot(snapshot as never) as unknown as PersistedSnapshot;
}

type HandledEvents = { readonly posted: readonly string[]; readonly scheduled: readonly string[] };

const NONE: HandledEvents = Object.freeze({ posted: Object.freeze([]), scheduled: Object.freeze([]) });
/** Per machine, per set of active state nodes: what they handle depends on nothing else (guards are not consulted). */
const handledByNodes = new WeakMap<object, Map<string, HandledEvents>>();

/**
 * Event types the active states handle, split into those people post and those the scheduler raises.
 * Off study, a state takes late entries only when the record has a time on study to enter them about
 * (its guard reads the record, never the event): those the machine would take are asked of it.
 */
export function handledEvents(snapshot: AnyMachineSnapshot): HandledEvents {
  const handled = handledByActiveNodes(snapshot);
  if (!isOffStudy(snapshot) || !handled.posted.length) return handled;
  const takes = (type: string) => snapshot.can({ type, occurredAt: '', data: {} } as never);
  return handled.posted.every(takes) ? handled : Object.freeze({ posted: Object.freeze(handled.posted.filter(takes)), scheduled: handled.scheduled });
}

function handledByActiveNodes(snapshot: AnyMachineSnapshot): HandledEvents {
  if (snapshot.status !== 'active') return NONE;
  let byNodes = handledByNodes.get(snapshot.machine);
  if (!byNodes) handledByNodes.set(snapshot.machine, (byNodes = new Map()));
  const key = snapshot._nodes.map((node) => node.id).join('\n');
  let handled = byNodes.get(key);
  if (!handled) {
    const all = new Set<string>();
    for (const node of snapshot._nodes) for (const type of node.ownEvents) if (!type.startsWith('xstate.')) all.add(type);
    const types = [...all].sort();
    handled = Object.freeze({ posted: Object.freeze(types.filter((t) => !isSchedulerEventType(t))), scheduled: Object.freeze(types.filter(isSchedulerEventType)) });
    byNodes.set(key, handled);
  }
  return handled;
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
