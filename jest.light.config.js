/**
 * Tests that need no server: unit tests and the platform adapters' contract suite (their fakes
 * are plain HTTP servers the tests start). `npm run test:unit`; `npm test` runs them too.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit', '<rootDir>/test/contracts'],
  globalSetup: undefined,
  globalTeardown: undefined,
  maxWorkers: 2,
};
