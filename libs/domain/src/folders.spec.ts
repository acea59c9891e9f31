import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The folders of libs/domain as a graph: an edge from a folder to each folder (or top-level file) its
 * files import. The kernel imports nothing above it, and no two folders depend on each other.
 */
function folderImports(root: string): Map<string, Set<string>> {
  const unit = (path: string) => {
    const [first, ...rest] = relative(root, path).split(sep);
    return rest.length ? first : `./${first.replace(/\.ts$/, '')}`;
  };
  const edges = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        const from = unit(path);
        for (const [, spec] of readFileSync(path, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
          const to = unit(resolve(dirname(path), spec));
          if (to === from) continue;
          if (!edges.has(from)) edges.set(from, new Set());
          edges.get(from)!.add(to);
        }
      }
    }
  };
  walk(root);
  return edges;
}

/** Every cycle the depth-first walk meets, as its path. */
function cycles(edges: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]) => {
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), node, next].join(' -> '));
      else if (!state.has(next)) visit(next, [...path, node]);
    }
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node, []);
  return found;
}

describe('the folders of libs/domain', () => {
  const edges = folderImports(__dirname);

  it('import one another without a cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('the kernel imports only the errors', () => {
    expect([...(edges.get('kernel') ?? [])]).toEqual(['./errors']);
  });

  it('the check sees a cycle when there is one', () => {
    const withCycle = new Map([...edges].map(([k, v]) => [k, new Set(v)]));
    withCycle.get('kernel')!.add('engine');
    expect(cycles(withCycle).some((c) => c.includes('kernel') && c.includes('engine'))).toBe(true);
  });
});
