// ESLint flat config: type-aware promise rules (a daemon must never float a promise) and the
// one-way data flow observe -> decide -> apply -> report enforced as import restrictions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (name) => [`**/${name}/**`, `../${name}/*`, `../../${name}/*`];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's describe/it return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS files (.cts): with verbatimModuleSyntax their imports must be `import x = require()`
    files: ['**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // decide/ is pure: it may import only model/ (and itself).
    files: ['src/decide/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'mysql2', 'mysql2/*', 'pino', 'fastify'], message: 'decide/ is pure: no I/O modules.' },
          ...['observe', 'apply', 'coordinate', 'report', 'runtime', 'cli', 'config', 'sandbox'].map((l) => ({
            group: layer(l), message: `decide/ imports only model/, not ${l}/.`,
          })),
        ],
      }],
    },
  },
  {
    // Tests of the pure core may use node:test and node:assert.
    files: ['src/decide/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // model/ holds types and constants only.
    files: ['src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: ['observe', 'decide', 'apply', 'coordinate', 'report', 'runtime', 'cli', 'config', 'sandbox'].map((l) => ({
          group: layer(l), message: `model/ imports nothing but model/, not ${l}/.`,
        })),
      }],
    },
  },
  {
    // report/ reads recorded ticks; it never probes nor applies.
    files: ['src/report/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: ['observe', 'apply'].map((l) => ({ group: layer(l), message: `report/ never imports ${l}/.` })),
      }],
    },
  },
);
