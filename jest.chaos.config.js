/** `npm run test:chaos`: the chaos suite alone (minutes long, it starts its own Redis and worker processes). */
const base = require('./jest.config');

module.exports = {
  // The base config brings the leak check (testEnvironment, setupFilesAfterEnv) along.
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 15 * 60_000,
  maxWorkers: 1,
};
