// ESLint flat config. Workflow code runs in Temporal's deterministic sandbox, so it may import
// only the workflow SDK, its own folder and the contract's types; the rules below enforce that.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

// Platform adapters (and their HTTP kit) run in the worker only. The API layer and workflows read
// platforms through their descriptors (platforms/descriptors.ts); types of the adapter interface
// are fine.
const adapterCode = {
  // Anything under platforms/ but the descriptors (and their text counting), or the registry.
  regex: String.raw`(^|/)platforms/(?!(descriptors?|text-length|([^/]+/)+descriptor)$)`,
  message: 'Only the worker imports adapter code; read platforms through platforms/descriptors.ts.',
  allowTypeImports: true,
};

// The platforms' fakes (platforms/**/fake.ts, fake-*.ts) sit beside their adapters but are test
// code: the production build leaves them out (tsconfig.build.json), so production code must not
// import them, not even for a type (an imported file is compiled in whatever the build excludes).
const fakeCode = {
  regex: String.raw`^\.{1,2}/(.*/)?fake(-[^/]+)?$`,
  message: 'Fakes are test code, left out of the build; only tests, bench and other fakes import them.',
};
const fakeFiles = ['platforms/**/fake.ts', 'platforms/**/fake-*.ts'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'nodes/**',
      '.postflow/**',
      '.tools/**',
      'coverage/**',
      '*.js',
      '*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests (and the fakes they run) read JSON bodies; typing every one adds nothing.
    files: ['test/**/*.ts', 'bench/report.ts', ...fakeFiles],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.ts'],
    ignores: ['test/**', 'bench/**', ...fakeFiles],
    rules: { 'no-restricted-imports': ['error', { patterns: [fakeCode] }] },
  },
  // The rules below replace the one above for their files (a rule's options are not merged), so
  // each repeats fakeCode.
  {
    files: [
      'api/**/*.ts',
      'server/**/*.ts',
      'client/**/*.ts',
      'platforms/descriptors.ts',
      'platforms/**/descriptor.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: [adapterCode, fakeCode] }] },
  },
  {
    // Process plumbing (config, logging, metrics, tracing, the Temporal connection) serves every
    // process, so it sits under the layers that compose a process and imports none of them.
    files: ['runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(\.\./)+(worker|server|client|cli|services|gateway|activities|workflows)(/|$)`,
              message:
                'runtime/ is process plumbing under every layer: take what it needs as a parameter instead.',
            },
            adapterCode,
          ],
        },
      ],
    },
  },
  {
    // Layers run one way: the gateway knows Temporal and the workflow messages, not the store or
    // the services above it; the services know the gateway and the store, not their callers.
    files: ['gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            adapterCode,
            {
              regex: String.raw`^(\.\.?/)+(store|services|client|server|cli)(/|$)`,
              message:
                'The gateway is the layer under the services: it imports no store and nothing above it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            adapterCode,
            {
              regex: String.raw`^(\.\.?/)+(client|server|cli)(/|$)`,
              message: 'Services are called by client/, server/ and cli/; they import none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    // Layers run one way: the HTTP layer and the application services never reach up into the
    // worker's activities or the process entries, and services never into HTTP or the client facade.
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            adapterCode,
            {
              group: ['**/activities', '**/activities/**', '**/cli/**'],
              message: 'The HTTP layer calls services; shared helpers live below it (net/, api/).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            adapterCode,
            {
              group: [
                '**/server/**',
                '**/client',
                '**/client/**',
                '**/cli/**',
                '**/worker/**',
                '**/activities',
                '**/activities/**',
              ],
              message:
                'Services sit below the HTTP layer and the client facade; they import layers below them.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            {
              group: ['**/activities', '**/activities/**', '**/store/**', '**/server/**', '**/client/**'],
              message: 'Workflows import activity types only (import type), never side-effecting modules.',
              allowTypeImports: true,
            },
            adapterCode,
            fakeCode,
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                'fastify',
                'better-sqlite3',
                'ulid',
                'zod',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // The retry decision is plain data in, plain data out, unit-tested without Temporal: it
    // imports types only, nothing that runs.
    files: ['workflows/retry-decision.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['*'],
              message: 'The retry decision stays pure: it imports types only.',
              allowTypeImports: true,
            },
            fakeCode,
          ],
        },
      ],
    },
  },
);
