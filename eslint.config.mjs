// ESLint over the whole tree (`npm run lint`, part of `npm test`). Formatting is Prettier's
// (`npm run format:check`): eslint-config-prettier, last, turns off every rule it would fight.
// What is on here is what a reader would thank us for: no `any` without a reason, no promise
// left floating, no import cycle, no import of a package that is not declared where it runs.
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TS = ['**/*.ts', '**/*.tsx'];
const JS = ['**/*.js', '**/*.mjs', '**/*.cjs'];
// Code that ships in `dependencies`: the server, its libraries and the record verifier (not specs).
const PRODUCTION = ['apps/**/*.ts', 'libs/**/*.ts'];
const SPECS = ['**/*.spec.ts', '**/*.e2e-spec.ts'];

export default defineConfig(
  // libs/.lint-probe-*, web/src/.lint-probe-*: the files scripts/guard-rails.spec.ts writes for a moment and lints itself.
  { ignores: ['dist/', 'node_modules/', 'reports/', 'coverage/', 'data/', '.stryker-tmp/', 'bench/results/', 'libs/.lint-probe-*/', 'web/src/.lint-probe-*/'] },
  // A rule is switched off for one line, by name, with the reason after `--`; one no longer needed is an error.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  comments.recommended,
  { rules: { '@eslint-community/eslint-comments/require-description': 'error', '@eslint-community/eslint-comments/no-use': ['error', { allow: ['eslint-disable-next-line'] }] } },

  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: TS,
    languageOptions: {
      // One TypeScript program per tsconfig (the server's tsconfig.json, web/tsconfig.json), found
      // by the project service; the type-aware rules below are the few worth their cost.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // The compiler's noUnusedLocals/noUnusedParameters say the same; here a `_` prefix marks a
      // parameter or a destructured rest sibling kept on purpose, as the compiler allows.
      '@typescript-eslint/no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },

  {
    plugins: { 'import-x': importX },
    settings: {
      // import-x reads (for no-cycle) only the files it knows how to parse: TypeScript too.
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/external-module-folders': importX.flatConfigs.typescript.settings['import-x/external-module-folders'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'web/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-duplicates': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: true }],
    },
  },
  {
    // What runs in production may import only `dependencies`, never a devDependency.
    files: PRODUCTION,
    ignores: SPECS,
    rules: { 'import-x/no-extraneous-dependencies': ['error', { devDependencies: false }] },
  },

  {
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
    languageOptions: { globals: globals.browser },
  },

  {
    // Configuration files and scripts in plain JavaScript: no TypeScript program to check them in.
    files: JS,
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },

  prettier,
);
