// Mutation testing of the clinical rules and the statistics (`npm run test:mutation`; not part of
// `npm test`). Stryker changes the code one small way at a time (a `<` for a `<=`, a constant, a
// branch removed) and runs the unit specs that cover it: a mutant that no spec notices is a rule
// no test pins down. The score and the survivors explained are in docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { configFile: 'stryker.jest.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  mutate: ['libs/protocols/src/rules/**/*.ts', 'libs/protocols/src/statistics/**/*.ts', '!**/*.spec.ts', '!**/index.ts'],
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
};
