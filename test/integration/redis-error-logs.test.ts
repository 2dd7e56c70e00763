import { Writable } from 'node:stream';
import { createLogger } from '../../src/shared/logger';
import { deletePrefix, testRedis, uniquePrefix } from '../support/env';

/**
 * An ioredis error carries the command it answers and its arguments — for a batch, its numbers and orderIds. The
 * logger writes an error as its type, code and message only, under `err` and under any other key, so no call site
 * can log a recipient by logging an error.
 */
const prefix = uniquePrefix('redis-error-logs');
const redis = testRedis();

afterAll(async () => {
  redis.disconnect();
  await deletePrefix(prefix);
});

function capture(): { log: ReturnType<typeof createLogger>; lines: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { log: createLogger('debug', 'smsq', sink), lines: () => text };
}

it('logs a Redis error refused with a recipient among its arguments without the arguments, under err or any key', async () => {
  const key = `${prefix}:a-string`;
  await redis.set(key, 'x');
  // WRONGTYPE: a real ReplyError whose `command.args` holds the number and orderId.
  const refused = await redis.hset(key, '447766554433', 'order-secret-1').then(
    () => null,
    (err: unknown) => err as Error,
  );
  expect(refused).not.toBeNull();
  expect(JSON.stringify((refused as Error & { command?: unknown }).command)).toContain('447766554433');
  // EXECABORT: a transaction refused, with the reply that caused it among its previousErrors.
  const aborted = await redis
    .multi()
    .set(key, 'x')
    .call('HSET', key, '447766554434')
    .exec()
    .then(
      () => null,
      (err: unknown) => err as Error,
    );
  expect(aborted).not.toBeNull();

  const { log, lines } = capture();
  log.error({ err: refused }, 'as err');
  log.warn({ cause: refused, nested: { depth: 1 } }, 'under another key');
  log.error(aborted as Error, 'as the first argument');
  log.error({ err: aborted, also: aborted }, 'aborted twice');

  const text = lines();
  expect(text).not.toMatch(/44776655443\d|order-secret/);
  const entries = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, { type?: string; message?: string; previous?: string[] }>);
  expect(entries).toHaveLength(4);
  expect(entries[0].err).toMatchObject({ type: 'ReplyError', message: expect.stringMatching(/^WRONGTYPE/) });
  expect(entries[1].cause).toMatchObject({ type: 'ReplyError', message: expect.stringMatching(/^WRONGTYPE/) });
  expect(entries[3].err).toMatchObject({ message: expect.stringMatching(/^EXECABORT/), previous: ['ERR'] });
  expect(entries[3].also).toEqual(entries[3].err);
});
