/**
 * `npm run test:unit`: test/unit only, without Redis — no globalSetup, so nothing is started or asked for. These
 * files test pure functions, in-process servers and the worker's units against the in-memory fakes of
 * test/support/fakes. `npm test` runs them too, with everything else (jest.config.js).
 */
const base = require('./jest.config');

module.exports = {
  // The transform, and the leak check (testEnvironment, setupFilesAfterEnv): a unit test opens nothing either.
  ...base,
  roots: ['<rootDir>/test/unit'],
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 10_000,
};
