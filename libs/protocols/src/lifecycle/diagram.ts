import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { OFF_STUDY } from './machine';

interface Transition {
  eventType: string;
  target?: AnyStateNode[];
  guard?: { type?: string } | string;
}

const idOf = (node: AnyStateNode) => node.path.join('_');

/** The node a transition the machine takes from any of its states is drawn from. */
const ANY_STATE = 'anyState';

/**
 * The machine as a Mermaid `stateDiagram-v2`, generated from the machine itself: composite and
 * parallel states nest, initial states are marked, and so are the states the course ends in (final,
 * or off study: those still take late entries, which record data and move nowhere), and every
 * targeted transition is an edge labelled with its event (and guard). Transitions that only record
 * data are left out. A transition the machine takes from any state (withdrawal, death, loss to
 * follow-up) is drawn once, from an "any state" node, not from every state: drawn from each, those
 * edges crossed the whole diagram and hid the course a patient follows.
 */
export function mermaidDiagram(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const children = (node: AnyStateNode) => (Object.values(node.states) as AnyStateNode[]).filter((c) => c.type !== 'history');

  const structure = (node: AnyStateNode, indent: string) => {
    const kids = children(node);
    if (node.type === 'compound' && node.initial?.target?.length) {
      lines.push(`${indent}[*] --> ${idOf(node.initial.target[0])}`);
    }
    kids.forEach((child, i) => {
      if (node.type === 'parallel' && i > 0) lines.push(`${indent}--`);
      if (children(child).length) {
        lines.push(`${indent}state "${child.key}" as ${idOf(child)} {`);
        structure(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${child.key}" as ${idOf(child)}`);
        if (child.type === 'final' || child.tags.includes(OFF_STUDY)) lines.push(`${indent}${idOf(child)} --> [*]`);
      }
    });
  };

  const transitionsOf = (node: AnyStateNode) => [...(node.transitions as Map<string, Transition[]>).values()].flat();
  const label = (t: Transition) => {
    const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
    return guard ? `${t.eventType} [${guard}]` : t.eventType;
  };
  const edges = new Map<string, { target: string; label: string; sources: Set<string> }>();
  const visit = (node: AnyStateNode) => {
    const sources = node === machine.root ? children(node).filter((c) => c.type !== 'final') : [node];
    for (const t of transitionsOf(node)) {
      if (t.eventType.startsWith('xstate.')) continue;
      for (const target of t.target ?? []) {
        const key = `${idOf(target)} : ${label(t)}`;
        const edge = edges.get(key) ?? edges.set(key, { target: idOf(target), label: label(t), sources: new Set() }).get(key)!;
        for (const source of sources) if (source !== target) edge.sources.add(idOf(source));
      }
    }
    children(node).forEach(visit);
  };

  structure(machine.root, '  ');
  visit(machine.root);
  // The states a patient on study can be in, at the top of the machine: an exit taken from every one
  // of them (but the exit's own target) is an exit from any state on study.
  const onStudy = children(machine.root)
    .filter((c) => c.type !== 'final' && !c.tags.includes(OFF_STUDY))
    .map(idOf);
  const fromAny = (e: { target: string; sources: Set<string> }) => onStudy.length > 2 && onStudy.every((s) => s === e.target || e.sources.has(s));
  const drawn: string[] = [];
  for (const e of edges.values()) {
    if (fromAny(e)) {
      drawn.push(`  ${ANY_STATE} --> ${e.target} : ${e.label}`);
      for (const s of e.sources) if (!onStudy.includes(s)) drawn.push(`  ${s} --> ${e.target} : ${e.label}`);
    } else for (const s of e.sources) drawn.push(`  ${s} --> ${e.target} : ${e.label}`);
  }
  if ([...edges.values()].some(fromAny)) lines.push(`  state "any state on study" as ${ANY_STATE}`);
  return [...lines, ...new Set(drawn)].join('\n') + '\n';
}
