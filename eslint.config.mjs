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

// Layers run one way (issue #15; docs/architecture.md "Layers"). Each top-level folder lists the
// project folders it may import; any other is above it, or beside it where the design keeps them
// apart. Type-only imports of activities are allowed where named (the workflow sandbox proxies
// them by type). `adapters: true` lets a layer import adapter code; the others read platforms
// through their descriptors only.
const PROCESS = ['runtime', 'api', 'store', 'net', 'media', 'codec'];
const LAYERS = {
  cli: {
    below: [
      'worker',
      'server',
      'client',
      'services',
      'gateway',
      'workflows',
      'activities',
      'platforms',
      'charts',
      ...PROCESS,
    ],
    message: 'cli/ is the process entry; nothing imports it.',
    adapters: true,
  },
  worker: {
    below: ['workflows', 'activities', 'platforms', ...PROCESS],
    message:
      'The worker process composes workflows, activities and runtime/; it never reaches into the API side.',
    adapters: true,
  },
  server: {
    below: ['client', 'services', ...PROCESS],
    message: 'server/ is HTTP only: it calls the services (or the client facade) and nothing under them.',
  },
  client: {
    below: ['services', 'gateway', 'workflows', ...PROCESS],
    message: 'client/ is the library facade over services/ and gateway/; it imports nothing above them.',
  },
  services: {
    below: ['gateway', 'workflows', 'platforms', 'charts', ...PROCESS],
    message:
      'Services sit under server/, client/ and cli/ and start work through gateway/, never activities.',
  },
  gateway: {
    below: ['workflows', 'runtime', 'api', 'codec'],
    message: 'The gateway knows Temporal and the workflow messages only: no store, nothing above it.',
  },
  workflows: {
    below: ['api', 'platforms'],
    typeOnly: ['activities'],
    message: 'Workflows run in the sandbox: the contract, descriptors, and activity types only.',
  },
  activities: {
    below: ['platforms', ...PROCESS],
    message: 'Activities run adapters for the workflows; they import no layer above them.',
    adapters: true,
  },
  platforms: {
    below: ['api', 'store', 'net', 'media', 'runtime'],
    message: 'Platforms (descriptors, adapters, kit) sit under the activities and import no layer above.',
    adapters: true,
  },
  runtime: {
    below: ['api', 'store', 'media', 'codec', 'platforms'],
    message: 'runtime/ is process plumbing under every layer: take what it needs as a parameter instead.',
  },
  api: {
    below: ['platforms'],
    message: 'api/ is the pure contract: it reads platform descriptors, nothing else.',
  },
  store: {
    below: ['api'],
    message: "store/ persists the contract's records; it imports nothing above api/.",
  },
  net: { below: [], message: 'net/ is a leaf helper: it imports no project layer.' },
  media: { below: ['net', 'api'], message: 'media/ stores files; it imports no layer above it.' },
  codec: { below: [], message: 'codec/ is a leaf helper: it imports no project layer.' },
  charts: {
    below: ['api'],
    message: 'charts/ draws PNGs from plain data (pure, no I/O); it imports api/ only.',
  },
};
const LAYER_FOLDERS = [...Object.keys(LAYERS), 'test', 'bench', 'scripts', 'deploy', 'docs', 'nodes'];

/** The import patterns one layer's files may not use: folders not below it, and adapter code. */
function layerPatterns(folder, below, message, adapters = LAYERS[folder].adapters) {
  const { typeOnly = [] } = LAYERS[folder];
  const forbidden = LAYER_FOLDERS.filter((f) => f !== folder && !below.includes(f) && !typeOnly.includes(f));
  return [
    { regex: String.raw`^(\.\./)+(${forbidden.join('|')})(/|$)`, message },
    ...(typeOnly.length
      ? [{ regex: String.raw`^(\.\./)+(${typeOnly.join('|')})(/|$)`, message, allowTypeImports: true }]
      : []),
    ...(adapters ? [] : [adapterCode]),
    fakeCode,
  ];
}

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
  // One block per layer (below). Each replaces the rule above for its files, since a rule's
  // options are not merged, so each repeats fakeCode.
  ...Object.entries(LAYERS).map(([folder, { below, message, adapters }]) => ({
    files: [`${folder}/**/*.ts`],
    ignores: fakeFiles,
    rules: {
      'no-restricted-imports': ['error', { patterns: layerPatterns(folder, below, message, adapters) }],
    },
  })),
  {
    // Descriptors are what the API process reads of a platform: plain data, no adapter code.
    files: ['platforms/descriptors.ts', 'platforms/**/descriptor.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [...layerPatterns('platforms', LAYERS.platforms.below, LAYERS.platforms.message, false)],
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
            ...layerPatterns('workflows', LAYERS.workflows.below, LAYERS.workflows.message, false),
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
            ...layerPatterns('workflows', LAYERS.workflows.below, LAYERS.workflows.message, false),
          ],
        },
      ],
    },
  },
);
