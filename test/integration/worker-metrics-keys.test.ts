/**
 * A worker's /metrics (METRICS_PORT) with API keys: API_TOKEN, an admin key and a read key without a tenant scrape
 * it; a key bound to a tenant is refused (403, naming the scope it lacks); a revoked key is refused from the next
 * scrape; while Redis does not answer, a key gets 503 and API_TOKEN still scrapes.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { createRedis, type RedisClient } from '../../src/shared/redis/connection';
import { keys } from '../../src/shared/redis/keys';
import { createLogger } from '../../src/shared/logger';
import { KeyStore } from '../../src/shared/tenants/key-store';
import { systemClock } from '../../src/shared/time/clock';
import { type MetricsServer, startMetricsServer } from '../../src/worker/metrics-server';
import { deletePrefix, testRedis, uniquePrefix } from '../support/env';
import { parseMetrics, total } from '../support/prometheus';
import { API_TOKEN } from '../support/server';

const prefix = uniquePrefix('worker-metrics-keys');
const log = createLogger('silent');
let redis: RedisClient;
let apiKeys: KeyStore;
let server: MetricsServer;

beforeAll(async () => {
  redis = testRedis();
  apiKeys = new KeyStore(redis, keys(prefix), systemClock);
  server = await startMetricsServer(0, log, { apiToken: API_TOKEN, apiKeys }, '127.0.0.1');
});
afterAll(async () => {
  await server.close();
  redis.disconnect();
  await deletePrefix(prefix);
});

async function scrape(on: MetricsServer, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${on.port}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.text() };
}

const keyOf = async (opts: Parameters<KeyStore['create']>[0]) => (await apiKeys.create(opts)).key;

it('serves the metrics to API_TOKEN, an admin key and a read key without a tenant', async () => {
  for (const token of [API_TOKEN, await keyOf({ name: 'ops', scope: 'admin' }), await keyOf({ name: 'prometheus', scope: 'read' })]) {
    const res = await scrape(server, token);
    expect(res.status).toBe(200);
    expect(total(parseMetrics(res.body), 'process_resident_memory_bytes')).toBeGreaterThan(0);
  }
});

it('refuses a key bound to a tenant with 403, naming the scope it needs', async () => {
  const tenantRead = await scrape(server, await keyOf({ name: 'acme-read', scope: 'read', tenant: 'acme' }));
  expect(tenantRead.status).toBe(403);
  expect(tenantRead.body).toContain('a read key without a tenant');
  expect(tenantRead.body).toContain("this key's scope is read, for tenant acme");
  const tenant = await scrape(server, await keyOf({ name: 'acme-backend', scope: 'tenant', tenant: 'acme' }));
  expect(tenant.status).toBe(403);
  expect(tenant.body).toContain("this key's scope is tenant, for tenant acme");
});

it('refuses a revoked key from the very next scrape, and a request without a token or with an unknown key', async () => {
  const { record, key } = await apiKeys.create({ name: 'short-lived', scope: 'read' });
  expect((await scrape(server, key)).status).toBe(200);
  await apiKeys.revoke(record.id);
  expect(await scrape(server, key)).toEqual({ status: 401, body: 'this API key has been revoked\n' });
  expect((await scrape(server)).status).toBe(401);
  const unknown = `smsq_${'0'.repeat(12)}_${'A'.repeat(43)}`;
  expect(await scrape(server, unknown)).toEqual({ status: 401, body: 'wrong API token or key\n' });
});

it('serves keys without API_TOKEN, and says so to a token that is not a key', async () => {
  const keysOnly = await startMetricsServer(0, log, { apiToken: undefined, apiKeys }, '127.0.0.1');
  try {
    expect((await scrape(keysOnly, await keyOf({ name: 'no-token', scope: 'read' }))).status).toBe(200);
    const res = await scrape(keysOnly, API_TOKEN);
    expect(res.status).toBe(401);
    expect(res.body).toContain('API_TOKEN is not set');
  } finally {
    await keysOnly.close();
  }
});

it('answers a key 503 while Redis does not answer, and still serves API_TOKEN', async () => {
  // A Redis that hangs: it answers the client's greeting (CLIENT SETINFO, then INFO), then nothing, so a key's
  // read waits for ever on a connection that is up.
  const sockets = new Set<Socket>();
  const received: string[] = [];
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (data) => {
      for (const [, command] of data.toString().matchAll(/\*\d+\r\n\$\d+\r\n([^\r]+)\r\n/g)) {
        received.push(command.toLowerCase());
        if (/^client$/i.test(command)) socket.write('+OK\r\n');
        if (/^info$/i.test(command)) socket.write('$9\r\nloading:0\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const down = createRedis({ redisUrl: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` }, 'worker');
  const cut = await startMetricsServer(
    0,
    log,
    { apiToken: API_TOKEN, apiKeys: new KeyStore(down, keys(prefix), systemClock) },
    '127.0.0.1',
  );
  try {
    const res = await scrape(cut, await keyOf({ name: 'while-down', scope: 'admin' }));
    expect(res.status).toBe(503);
    expect(res.body).toContain('API_TOKEN');
    expect(received).toContain('hget');
    expect((await scrape(cut, API_TOKEN)).status).toBe(200);
  } finally {
    await cut.close();
    down.disconnect();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
