/** Tests talk to a real Redis (REDIS_URL, or a testcontainers redis:7 started in globalSetup). */
module.exports = {
  // Node's environment, plus the leak check's moment after each file's last afterAll hook.
  testEnvironment: '<rootDir>/test/support/leak-check-environment.ts',
  // Fails a test file that leaves a Redis connection, BullMQ worker or queue, server or child process open.
  setupFilesAfterEnv: ['<rootDir>/test/support/leak-check.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The chaos suite runs on its own: npm run test:chaos.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores: integration files each run workers and a simulator; more parallel files only contend.
  maxWorkers: 2,
};
