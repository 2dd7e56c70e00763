/** `npm run test:cluster`: the integration and CLI suites once more, on a local three-master Redis Cluster. */
const base = require('./jest.config');

module.exports = {
  // The base config brings the leak check (testEnvironment, setupFilesAfterEnv) along.
  ...base,
  roots: ['<rootDir>/test/integration', '<rootDir>/test/cli'],
  // The Sentinel test runs on a primary, a replica and three sentinels of its own, never on the cluster
  // (REDIS_CLUSTER_NODES ''): `npm test` runs it, and here it was only the same test again beside the cluster's
  // Redis processes, where its failover has timed out in two of the last runs.
  // The HTTP server's tests (test/integration/server) and `smsq simulator`'s (no Redis at all) run under `npm test`
  // only, as they did before the tests were sorted by kind.
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    '<rootDir>/test/integration/sentinel.test.ts',
    '<rootDir>/test/integration/server/',
    '<rootDir>/test/cli/simulator.test.ts',
  ],
  globalSetup: '<rootDir>/test/support/cluster-setup.ts',
  globalTeardown: '<rootDir>/test/support/cluster-teardown.ts',
  // Three Redis processes more on two cores, beside worker processes: give slow moments room.
  testTimeout: 120_000,
};
