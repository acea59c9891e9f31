import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { OFF_STUDY } from './machine';

interface Transition {
  eventType: string;
  target?: AnyStateNode[];
  guard?: { type?: string } | string;
}

const idOf = (node: AnyStateNode) => node.path.join('_');

/**
 * The machine as a Mermaid `stateDiagram-v2`, generated from the machine itself: composite and
 * parallel states nest, initial states are marked, and so are the states the course ends in (final,
 * or off study: those still take late entries, which record data and move nowhere), and every
 * targeted transition is an edge labelled with its event (and guard). Transitions that only record
 * data are left out.
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

  const edges: string[] = [];
  const transitionsOf = (node: AnyStateNode) => [...(node.transitions as Map<string, Transition[]>).values()].flat();
  const label = (t: Transition) => {
    const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
    return guard ? `${t.eventType} [${guard}]` : t.eventType;
  };
  const visit = (node: AnyStateNode) => {
    const sources = node === machine.root ? children(node).filter((c) => c.type !== 'final') : [node];
    for (const t of transitionsOf(node)) {
      if (t.eventType.startsWith('xstate.')) continue;
      for (const target of t.target ?? []) {
        for (const source of sources) if (source !== target) edges.push(`  ${idOf(source)} --> ${idOf(target)} : ${label(t)}`);
      }
    }
    children(node).forEach(visit);
  };

  structure(machine.root, '  ');
  visit(machine.root);
  return [...lines, ...new Set(edges)].join('\n') + '\n';
}
