import { Readable } from 'node:stream';
import { deletePrefix, uniquePrefix, waitFor } from '../../support/env';
import { OwnRedis } from '../../support/redis-server';
import { BEARER, errorCode, openApp, serverConfig, type TestApp } from '../../support/server';

const prefix = uniquePrefix('api-errors');
// No worker runs here: nothing is sent, only what the server answers is checked.
const gateway = 'http://127.0.0.1:9/sms';
let server: TestApp;
let small: TestApp;

beforeAll(async () => {
  server = await openApp(serverConfig(prefix, gateway));
  small = await openApp(serverConfig(prefix, gateway, { API_JSON_BODY_LIMIT: '2048', API_STREAM_BODY_LIMIT: '4096' }));
});

afterAll(async () => {
  await server.close();
  await small.close();
  await deletePrefix(prefix);
});

const enqueue = (t: TestApp, contentType: string, payload: string | Readable, query = '') =>
  t.app.inject({ method: 'POST', url: `/v1/campaigns${query}`, headers: { ...BEARER, 'content-type': contentType }, payload });

/** An NDJSON body streamed in pieces, without a Content-Length: only counting can stop it. */
function chunkedNdjson(lines: number): Readable {
  let i = 0;
  return new Readable({
    read() {
      this.push(i < lines ? `{"number":"${447_722_000_000 + i++}"}\n` : null);
    },
  });
}

describe('requests of the wrong shape: 400 BAD_REQUEST', () => {
  it.each([
    ['an unknown field', { content: 'Hi', recipients: [], sender: 'X' }, /^body has an unknown field "sender"$/],
    ['content that is not a string', { content: 42, recipients: [] }, /content must be string/],
    ['no recipients', { content: 'Hi' }, /must have required property 'recipients'/],
  ])('refuses %s and says what is wrong', async (_what, body, message) => {
    const res = await enqueue(server, 'application/json', JSON.stringify(body));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
  });

  it('names the unknown field, in the body and in the query string', async () => {
    const res = await enqueue(server, 'application/json', JSON.stringify({ content: 'Hi', recipients: [], campaignID: 'a' }));
    expect(res.json().error.details.problems).toEqual([
      { path: '/', field: 'campaignID', message: 'body has an unknown field "campaignID"' },
    ]);
    const list = await server.app.inject({ method: 'GET', url: '/v1/campaigns?status=running', headers: BEARER });
    expect(list.statusCode).toBe(400);
    expect(list.json().error.message).toBe('querystring has an unknown field "status"');
  });

  it('refuses JSON that does not parse', async () => {
    const res = await enqueue(server, 'application/json', '{"content": "Hi", ');
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('BAD_REQUEST');
  });

  it('refuses a streamed list without its content, and a JSON body with fields in the query string', async () => {
    expect(errorCode(await enqueue(server, 'text/csv', '447700900001\n'))).toBe('BAD_REQUEST');
    expect(errorCode(await enqueue(server, 'application/json', '{"content":"Hi","recipients":[]}', '?content=Hi'))).toBe('BAD_REQUEST');
  });

  it('answers 400 INPUT_UNREADABLE for CSV whose quoting is broken, naming the line', async () => {
    const res = await enqueue(server, 'text/csv', '447700900001\n"447700900002,x\n447700900003\n', '?content=Hi');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INPUT_UNREADABLE', message: expect.stringMatching(/^line 2: /) });
  });
});

describe('bodies the server will not take', () => {
  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is neither JSON, NDJSON nor CSV', async () => {
    for (const type of ['text/plain', 'application/xml']) {
      const res = await enqueue(server, type, '447700900001');
      expect(res.statusCode).toBe(415);
      expect(errorCode(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
      const accepted = ['application/json', 'application/x-ndjson', 'application/ndjson', 'text/csv'];
      expect(res.json().error).toMatchObject({ message: expect.stringContaining(`accepts ${accepted.join(', ')}`), details: { accepted } });
    }
  });

  it('answers 413 PAYLOAD_TOO_LARGE for JSON over API_JSON_BODY_LIMIT', async () => {
    const recipients = Array.from({ length: 100 }, (_, i) => ({ number: String(447_700_900_000 + i) }));
    const res = await enqueue(small, 'application/json', JSON.stringify({ content: 'Hi', recipients }));
    expect(res.statusCode).toBe(413);
    expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.connection).toBe('close');
  });

  it('answers 413 for a streamed list over API_STREAM_BODY_LIMIT, by its Content-Length or counted as it streams', async () => {
    const body = Array.from({ length: 500 }, (_, i) => `${447_700_900_000 + i}`).join('\n');
    const declared = await enqueue(small, 'text/csv', body, '?content=Hi');
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error.message).toContain('API_STREAM_BODY_LIMIT');

    const counted = await enqueue(small, 'application/x-ndjson', chunkedNdjson(500), '?campaignId=too-big&content=Hi');
    expect(counted.statusCode).toBe(413);
    expect(errorCode(counted)).toBe('PAYLOAD_TOO_LARGE');
    expect(errorCode(await small.app.inject({ method: 'GET', url: '/v1/campaigns/too-big', headers: BEARER }))).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('takes a streamed list under the limit on the same server', async () => {
    const res = await enqueue(small, 'application/x-ndjson', chunkedNdjson(20), '?content=Hi');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ total: 20 });
  });
});

describe('routes and Redis', () => {
  it('answers 404 NOT_FOUND as JSON for a route that does not exist', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('/openapi.json') });
  });

  it('answers 503 REDIS_UNAVAILABLE, and /readyz 503, while Redis is down, and recovers when it is back', async () => {
    const redis = new OwnRedis(20_000 + Math.floor(Math.random() * 10_000));
    await redis.start();
    const cut = await openApp(serverConfig(prefix, gateway, { REDIS_URL: redis.url }));
    try {
      await redis.stop();
      const res = await cut.app.inject({ method: 'GET', url: '/v1/campaigns/any', headers: BEARER });
      expect(res.statusCode).toBe(503);
      expect(errorCode(res)).toBe('REDIS_UNAVAILABLE');
      const ready = await cut.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ ready: false, redis: 'unreachable', queue: 'unknown' });
      expect((await cut.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      await redis.start();
      await waitFor('the server to reconnect', async () =>
        (await cut.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200 ? true : undefined,
      );
    } finally {
      await cut.close();
      await redis.destroy();
    }
  });
});
