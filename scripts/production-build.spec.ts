import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * What a TypeScript configuration compiles: its own files and every file they import (no type
 * check, module resolution only), relative to the project's root, node_modules left out.
 */
const ROOT = join(__dirname, '..');

function programOf(tsconfig: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, tsconfig),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`${tsconfig} could not be read`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  return program
    .getSourceFiles()
    .map((file) => relative(ROOT, file.fileName))
    .filter((file) => !file.startsWith('node_modules'));
}

const TEST_ONLY = [/\.factory\.ts$/, /\.spec\.ts$/, /\.e2e-spec\.ts$/, /^libs\/testing\//, /^test\//, /^simulator\//, /^bench\//];
const testOnly = (files: string[]) => files.filter((file) => TEST_ONLY.some((pattern) => pattern.test(file)));

describe('the production build (tsconfig.build.json)', () => {
  const production = programOf('tsconfig.build.json');

  it('compiles the three services and both libraries', () => {
    expect(production).toEqual(
      expect.arrayContaining(['apps/api/src/main.ts', 'apps/worker/src/main.ts', 'apps/verify-record/src/main.ts', 'libs/domain/src/index.ts', 'libs/protocols/src/index.ts']),
    );
  });

  it('holds no factory, spec or test helper, neither listed nor imported, so none reaches dist/', () => {
    expect(testOnly(production)).toEqual([]);
  });

  it('would notice them: the simulator build compiles the shared test package', () => {
    expect(testOnly(programOf('tsconfig.simulate.json'))).toEqual(
      expect.arrayContaining(['libs/testing/src/index.ts', 'libs/testing/src/eligibility/cd19-rr-all.ts', 'simulator/run.ts']),
    );
  });
});
