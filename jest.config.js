/** Jest runs TypeScript through swc (fast, no type check: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/nodes/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Tests start real Temporal servers and processes; two cores do not run several at once well.
  maxWorkers: 1,
  testTimeout: 120_000,
  // The Temporal native runtime keeps a handle open after the last test (sdk-typescript #928).
  forceExit: true,
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
