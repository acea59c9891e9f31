import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run lint` runs ESLint with eslint.config.mjs. This lints a few small files written for the
 * purpose, with the same command and configuration, so a configuration that stopped checking (a rule
 * turned off, a glob that no longer matches, a plugin that no longer loads) fails here.
 */
const ROOT = join(__dirname, '..');
// Under libs/, where production code lives, so the rules for production code apply; with a tsconfig
// of its own, so the type-aware rules build a program of these files only. The leading dot keeps it
// out of the builds' `libs/**` globs should one run at the same moment.
const PROBE = join(ROOT, 'libs', `.lint-probe-${process.pid}`);
// And one in the console, for React's rules.
const WEB_PROBE = join(ROOT, 'web', 'src', `.lint-probe-${process.pid}`);

const WEB_FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ extends: '../../tsconfig.json', include: ['*.tsx'] }),
  // A hook called under a condition.
  'hooks.tsx': [
    "import { useState } from 'react';",
    'export function Count({ shown }: { shown: boolean }) {',
    '  if (!shown) return null;',
    '  const [count] = useState(0);',
    '  return <span>{count}</span>;',
    '}',
    '',
  ].join('\n'),
};

const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true, types: ['node'] }, include: ['*.ts'] }),
  // Imports b, which imports a: a cycle.
  'a.ts': [
    "import { later } from './b';",
    "import { later as again } from './b';",
    'export function first(): number {',
    '  const unused = 1;',
    '  return 1;',
    '}',
    'export function untyped(value: any): unknown {',
    '  return value;',
    '}',
    'export function forgotten(): void {',
    '  later();',
    '}',
    'export const both = again;',
    '',
  ].join('\n'),
  'b.ts': ["import { first } from './a';", 'export async function later(): Promise<number> {', '  return first();', '}', ''].join('\n'),
  // A devDependency imported by production code; a rule switched off without a reason.
  'c.ts': [
    "import fc from 'fast-check';",
    'export const sample = fc.integer();',
    '// eslint-disable-next-line @typescript-eslint/no-explicit-any',
    'export type Loose = any;',
    '',
  ].join('\n'),
  // Nothing wrong: nothing reported.
  'clean.ts': [
    "import { createHash } from 'node:crypto';",
    'export async function digest(text: string): Promise<string> {',
    "  return createHash('sha256').update(text).digest('hex');",
    '}',
    'export async function twice(text: string): Promise<string[]> {',
    '  return Promise.all([digest(text), digest(text)]);',
    '}',
    '',
  ].join('\n'),
};

interface LintResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; severity: number; message: string }>;
}

let results: Map<string, string[]>;

beforeAll(async () => {
  mkdirSync(PROBE, { recursive: true });
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(PROBE, name), text);
  mkdirSync(WEB_PROBE, { recursive: true });
  for (const [name, text] of Object.entries(WEB_FILES)) writeFileSync(join(WEB_PROBE, name), text);
  try {
    const eslint = join(dirname(require.resolve('eslint')), '..', 'bin', 'eslint.js');
    const run = await promisify(execFile)(process.execPath, [eslint, '--no-ignore', '--format', 'json', relative(ROOT, PROBE), relative(ROOT, WEB_PROBE)], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    }).catch(
      // ESLint exits 1 when it reports an error: its report is still on standard output.
      (failed: { code?: number; stdout?: string; stderr?: string }) => {
        if (failed.code !== 1 || !failed.stdout) throw new Error(`ESLint did not run: ${failed.stderr ?? String(failed)}`);
        return { stdout: failed.stdout };
      },
    );
    const report = JSON.parse(run.stdout) as LintResult[];
    results = new Map(
      report.map((r) => [relative(r.filePath.startsWith(PROBE) ? PROBE : WEB_PROBE, r.filePath), r.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message)]),
    );
  } finally {
    rmSync(PROBE, { recursive: true, force: true });
    rmSync(WEB_PROBE, { recursive: true, force: true });
  }
}, 120_000);

describe('npm run lint', () => {
  it('reports an unused variable, an explicit any, an import cycle, a duplicate import and a floating promise', () => {
    expect([...new Set(results.get('a.ts'))].sort()).toEqual([
      '@typescript-eslint/no-explicit-any',
      '@typescript-eslint/no-floating-promises',
      '@typescript-eslint/no-unused-vars',
      'import-x/no-cycle',
      'import-x/no-duplicates',
    ]);
    expect(results.get('b.ts')).toEqual(['import-x/no-cycle']);
  });

  it('refuses a devDependency in production code and a rule switched off without a reason', () => {
    expect([...(results.get('c.ts') ?? [])].sort()).toEqual(['@eslint-community/eslint-comments/require-description', 'import-x/no-extraneous-dependencies']);
  });

  it("applies React's rules of hooks in the console", () => {
    expect(results.get('hooks.tsx')).toEqual(['react-hooks/rules-of-hooks']);
  });

  it('reports nothing in a file with nothing wrong', () => {
    expect(results.get('clean.ts')).toEqual([]);
  });
});
