// ESLint for smsq, run by `npm run lint` with `prettier --check`. Formatting is prettier's alone; these rules are about
// correctness. The type-aware ones are those that catch real bugs in promise-heavy queue code (a dropped promise is a
// failure nobody handles, or an unhandled rejection that ends the process) and leave out the noisy ones
// (require-await, no-unnecessary-condition, switch-exhaustiveness-check) whose findings here were deliberate.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Tests run with .only or .skip would pass in CI while running less than the suite. */
const noFocusedOrSkippedTests = {
  selector: 'CallExpression > MemberExpression.callee[object.name=/^(describe|it|test)$/][property.name=/^(only|skip)$/]',
  message: 'No .only or .skip in committed tests: every test runs in CI.',
};

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/results/', 'test-artifacts/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    rules: {
      // Stripping or escaping control characters from untrusted text is what those expressions are for.
      'no-control-regex': 'off',
      // A caught error is rewritten on purpose into one line that says what to do; a `cause` would bring the original
      // back: pino's err serializer appends a cause's message and stack, and an ioredis error's message can carry its
      // command's arguments (numbers, orderIds).
      'preserve-caught-error': 'off',
    },
  },

  // TypeScript: src and test, both in tsconfig.json.
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // Rethrowing a caught `unknown` as it came is allowed: it is whatever the library threw.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `return promise` inside try: its catch never sees the rejection, and its finally runs before the promise settles.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noFocusedOrSkippedTests],
    },
  },

  // Node scripts in CommonJS: the benchmark and the jest configs.
  {
    files: ['bench/**/*.js', '*.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },

  // The console's one browser script: no modules, uPlot loaded by its own <script> tag.
  {
    files: ['src/server/console/assets/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, uPlot: 'readonly' } },
  },
);
