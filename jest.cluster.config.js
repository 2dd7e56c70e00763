/** `npm run test:cluster`: the integration and CLI suites once more, on a local three-master Redis Cluster. */
const base = require('./jest.config');

module.exports = {
  // The base config brings the leak check (testEnvironment, setupFilesAfterEnv) along.
  ...base,
  roots: ['<rootDir>/test/integration', '<rootDir>/test/cli'],
  globalSetup: '<rootDir>/test/support/cluster-setup.ts',
  globalTeardown: '<rootDir>/test/support/cluster-teardown.ts',
  // Three Redis processes more on two cores, beside worker processes: give slow moments room.
  testTimeout: 120_000,
};
