import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { isSchedulerEventType } from '../events';

export interface StateDescription {
  id: string;
  type: string;
  /** Events a person or an integration may post in this state (inherited ones included). */
  accepts: string[];
  /** Events the scheduler raises in this state. */
  scheduled: string[];
  /** `offStudy` on every state a patient is off study in (final or still taking late entries). */
  tags: string[];
}

/**
 * Every state of a machine with the events it accepts, for the protocol definition. An off-study
 * state (tag `offStudy`) lists the late entries it takes from a patient who was infused; one who
 * left before the infusion is in the same state and takes none (the patient's `acceptedEvents` says).
 */
export function describeStates(machine: AnyStateMachine): StateDescription[] {
  const out: StateDescription[] = [];
  const visit = (node: AnyStateNode, inherited: string[]) => {
    const own = node.ownEvents.filter((e: string) => !e.startsWith('xstate.'));
    const events = [...new Set([...inherited, ...own])];
    if (node !== machine.root) {
      out.push({
        id: node.path.join('.'),
        type: node.type,
        accepts: node.type === 'final' ? [] : events.filter((e) => !isSchedulerEventType(e)),
        scheduled: node.type === 'final' ? [] : events.filter((e) => isSchedulerEventType(e)),
        tags: [...node.tags],
      });
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child, events);
  };
  visit(machine.root, []);
  return out;
}

/** The steps of the post-infusion course, which a site names the patient by (see the engine's `stateName`). */
export const COURSE_STATES = ['dltWindow', 'responseAssessment', 'followUp'] as const;

/**
 * The machine state value a state name stands for: a course step lies inside the post-infusion phase
 * (whose other regions start where they start); any other name is a top-level state.
 */
export function stateValueOf(name: string): string | Record<string, unknown> {
  return (COURSE_STATES as readonly string[]).includes(name) ? { postInfusion: { course: name } } : name;
}

/** The state names a patient row can hold under a machine: top-level states and course steps. */
export function stateNamesOf(machine: AnyStateMachine): string[] {
  const top = Object.keys(machine.root.states).filter((name) => name !== 'postInfusion');
  return [...top, ...COURSE_STATES];
}
