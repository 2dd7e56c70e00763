import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The leak check checks itself: jest, run as a user runs it with this project's config, on three fixture files.
 * Two leave something open and must fail, naming it and the line that opened it; the third closes all it opens
 * in its own afterAll, which must pass (the check runs after the file's hooks, not before them).
 */
const ROOT = path.resolve(__dirname, '../..');

interface FileResult {
  name: string;
  status: 'passed' | 'failed';
  message: string;
}

function runFixtures(): Promise<{ code: number | null; files: FileResult[]; stderr: string }> {
  const config = {
    // The project's own jest config, read as jest reads it (CommonJS), so the fixtures run under the same setup.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ...require(path.join(ROOT, 'jest.config.js')),
    rootDir: ROOT,
    roots: ['<rootDir>/test/leak-check/fixtures'],
    testMatch: ['**/*.fixture.ts'],
    testPathIgnorePatterns: ['/node_modules/'],
    // REDIS_URL is already set for this run; the fixtures need nothing started.
    globalSetup: undefined,
    globalTeardown: undefined,
  };
  const args = [
    require.resolve('jest/bin/jest'),
    '--config',
    JSON.stringify(config),
    '--runInBand',
    '--ci',
    '--json',
    // The leaky fixtures leave the run's own process with open handles: that is their point.
    '--forceExit',
  ];
  return new Promise((resolve, reject) => {
    // A short wait for things to close: the fixtures that leak never close anything.
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, LEAK_CHECK_SETTLE_MS: '300' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const json = JSON.parse(stdout) as { testResults: { name: string; status: 'passed' | 'failed'; message: string }[] };
        const files = json.testResults.map((r) => ({ name: path.basename(r.name), status: r.status, message: r.message }));
        resolve({ code, files, stderr });
      } catch {
        reject(new Error(`jest printed no JSON results (exit ${code}):\n${stderr}`));
      }
    });
  });
}

let run: Awaited<ReturnType<typeof runFixtures>>;
const file = (name: string) => run.files.find((f) => f.name === name)!;

beforeAll(async () => {
  run = await runFixtures();
});

it('fails the run when a test file leaks', () => {
  expect(run.code).not.toBe(0);
  expect(run.files.map((f) => f.name).sort()).toEqual([
    'closes-everything.fixture.ts',
    'leaks-redis.fixture.ts',
    'leaks-server.fixture.ts',
  ]);
});

it('fails a file that leaves a Redis connection open, naming it and the line that opened it', () => {
  const { status, message } = file('leaks-redis.fixture.ts');
  expect(status).toBe('failed');
  expect(message).toContain('leak check: this test file left resources open after its afterAll hooks');
  expect(message).toMatch(/1 × Redis connection, opened by/);
  expect(message).toContain('leaks-redis.fixture.ts:8:');
});

it('fails a file that leaves an HTTP server listening, naming the one it forgot and not the one it closed', () => {
  const { status, message } = file('leaks-server.fixture.ts');
  expect(status).toBe('failed');
  expect(message).toMatch(/1 × HTTP server on 127\.0\.0\.1:\d+, opened by/);
  expect(message).toContain('TCPServerWrap ×1');
});

it('passes a file that closes everything in its own afterAll hook', () => {
  expect(file('closes-everything.fixture.ts')).toMatchObject({ status: 'passed', message: '' });
});
