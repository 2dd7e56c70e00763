/** `smsq keys create|list|revoke|update` as processes, with the keys they make used against a running `smsq server`. */
import { userInfo } from 'node:os';
import { keyHash } from '../../src/shared/tenants/api-key';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitFor } from '../support/env';
import { SERVER_VARIABLES } from '../support/server';
import { ServerProcess } from '../support/server-process';

const stack = useCampaignStack('keys-cli', { simulator: false, env: { ...SERVER_VARIABLES, SERVER_PORT: '0' } });
const CLI_NAME = `cli:${userInfo().username}`;

const keys = (...args: string[]) => runSmsq(['keys', ...args], stack.env);

async function serverUrl(): Promise<string> {
  return stack.process(new ServerProcess(stack.env)).url();
}

const asKey = (url: string, key: string, path = '/v1/campaigns') => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });

interface Listed {
  id: string;
  name: string;
  status: string;
  lastUsedAt?: string;
  limits?: Record<string, unknown>;
  today?: { recipients: number; spend: string };
  webhookUrl?: string;
  webhookSecretSet?: boolean;
}

async function listJson(): Promise<{ keys: Listed[]; unreadable: string[] }> {
  const { code, stdout, stderr } = await keys('list', '--json');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as { keys: Listed[]; unreadable: string[] };
}

it('creates a tenant key a running server takes, and the server refuses it once revoked', async () => {
  const url = await serverUrl();
  const created = await keys('create', '--name', 'shop', '--scope', 'tenant', '--tenant', 'shop', '--json');
  expect(created.code).toBe(0);
  const body = JSON.parse(created.stdout) as Record<string, string>;
  expect(Object.keys(body)).toEqual(['id', 'name', 'scope', 'tenant', 'key']);
  expect(body).toMatchObject({ name: 'shop', scope: 'tenant', tenant: 'shop' });
  expect(body.key).toMatch(new RegExp(`^smsq_${body.id}_[A-Za-z0-9_-]{43}$`));

  // Redis holds the hash, never the key.
  const stored = await stack.ctx.redis.hget(stack.ctx.keys.apiKeys(), body.id);
  expect(stored).not.toContain(body.key);
  expect(JSON.parse(stored!)).toMatchObject({ hash: keyHash(body.key), scope: 'tenant', tenant: 'shop' });

  expect((await asKey(url, body.key)).status).toBe(200);
  const revoked = await keys('revoke', body.id);
  expect(revoked).toMatchObject({ code: 0, stderr: '' });
  expect(revoked.stdout).toContain(`key ${body.id} (shop) revoked`);
  const refused = await asKey(url, body.key);
  expect(refused.status).toBe(401);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('revoked');

  const entries = await stack.ctx.audit.list({ tenant: 'shop' });
  expect(entries.map((e) => [e.action, e.keyId, e.keyName])).toEqual([
    ['key.revoke', 'cli', CLI_NAME],
    ['key.create', 'cli', CLI_NAME],
  ]);
  expect(entries[1].changes).toMatchObject({ id: body.id, name: 'shop', scope: 'tenant' });
});

it('prints the key once on a line of its own, and a generated webhook secret likewise', async () => {
  // No --tenant: a tenant key named alerts is tenant alerts's.
  const created = await keys(
    'create',
    '--name',
    'alerts',
    '--scope',
    'tenant',
    '--expires',
    '90d',
    '--webhook-url',
    'http://127.0.0.1:9/alerts-hooks',
  );
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const lines = created.stdout.split('\n');
  expect(lines[0]).toMatch(/^ID\s+NAME\s+SCOPE\s+TENANT\s+EXPIRES$/);
  expect(lines[1]).toMatch(/^[a-z0-9]{12}\s+alerts\s+tenant\s+alerts\s+\d{4}-\d\d-\d\dT/);
  expect(created.stdout).toContain('shown this once');
  const key = lines.find((l) => l.startsWith('smsq_'));
  expect(key).toMatch(/^smsq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  const secret = lines.find((l) => l.startsWith('whsec_'));
  expect(secret).toBeDefined();
  expect((await stack.ctx.tenants.get('alerts')).webhook).toEqual({ url: 'http://127.0.0.1:9/alerts-hooks', secret });

  // The audit trail says the secret changed, never what it is.
  const update = (await stack.ctx.audit.list({ tenant: 'alerts' })).find((e) => e.action === 'tenant.update');
  expect(update?.changes).toMatchObject({ webhookUrl: { before: null, after: 'http://127.0.0.1:9/alerts-hooks' }, secretChanged: true });
  expect(JSON.stringify(update)).not.toContain(secret!.slice('whsec_'.length));
});

it("lists each key with its last use, its tenant's limits and today's use, never a key, a hash or a webhook secret", async () => {
  const url = await serverUrl();
  const created = await keys(
    'create',
    ...['--name', 'billing', '--scope', 'tenant', '--tenant', 'billing', '--json'],
    ...['--lanes', 'high,normal', '--max-rate', '50', '--recipients-per-day', '1000', '--spend-per-day', '25.5'],
    ...['--webhook-url', 'http://127.0.0.1:9/billing?token=abc', '--webhook-secret', `whsec_${Buffer.alloc(32, 7).toString('base64')}`],
  );
  expect(created.code).toBe(0);
  const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
  expect(JSON.parse(created.stdout)).not.toHaveProperty('webhookSecret');

  expect((await asKey(url, key)).status).toBe(200);
  const listed = await waitFor('the key to be listed with its last use', async () => {
    const k = (await listJson()).keys.find((x) => x.id === id);
    return k?.lastUsedAt ? k : undefined;
  });
  expect(listed).toMatchObject({
    name: 'billing',
    status: 'active',
    limits: { lanes: ['high', 'normal'], maxRate: 50, recipientsPerDay: 1000, spendPerDay: '25.50' },
    today: { recipients: 0, spend: '0.00' },
    webhookUrl: 'http://127.0.0.1:9/billing',
    webhookSecretSet: true,
  });
  expect(Date.parse(listed.lastUsedAt!)).toBeGreaterThan(Date.now() - 600_000);

  const plain = await keys('list');
  expect(plain.code).toBe(0);
  expect(plain.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+SCOPE\s+TENANT\s+STATUS\s+CREATED\s+EXPIRES\s+LAST-USED\s+LIMITS\s+TODAY$/);
  const row = plain.stdout.split('\n').find((l) => l.startsWith(id));
  expect(row).toMatch(/billing\s+tenant\s+billing\s+active\s+.*never\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+lanes high,normal, rate 50\/s/);
  for (const out of [plain.stdout, JSON.stringify(await listJson())]) {
    expect(out).not.toContain(key);
    expect(out).not.toContain(keyHash(key));
    expect(out).not.toContain('whsec_');
    expect(out).not.toContain('token=abc');
  }
});

it("changes a key's tenant's limits, removes one with none, and refuses a key without a tenant", async () => {
  const { stdout } = await keys('create', '--name', 'desk', '--scope', 'read', '--tenant', 'desk', '--max-rate', '10', '--json');
  const { id } = JSON.parse(stdout) as { id: string };
  const updated = await keys('update', id, '--max-rate', 'none', '--recipients-per-day', '5', '--lanes', 'low');
  expect(updated).toMatchObject({ code: 0, stderr: '' });
  expect(updated.stdout).toContain('limits lanes low, 5 recipients/day');
  expect((await stack.ctx.tenants.get('desk')).limits).toEqual({ lanes: ['low'], recipientsPerDay: 5 });
  const entry = (await stack.ctx.audit.list({ tenant: 'desk' }))[0];
  expect(entry).toMatchObject({
    action: 'tenant.update',
    keyName: CLI_NAME,
    changes: {
      viaKey: id,
      maxRate: { before: 10, after: null },
      recipientsPerDay: { before: null, after: 5 },
      lanes: { before: null, after: ['low'] },
    },
  });

  const hooked = await keys('update', id, '--webhook-url', 'http://127.0.0.1:9/desk');
  const secret = hooked.stdout.split('\n').find((l) => l.startsWith('whsec_'));
  expect((await stack.ctx.tenants.get('desk')).webhook).toEqual({ url: 'http://127.0.0.1:9/desk', secret });
  const rotated = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
  expect((await keys('update', id, '--webhook-secret', rotated)).code).toBe(0);
  expect((await stack.ctx.tenants.get('desk')).webhook).toEqual({ url: 'http://127.0.0.1:9/desk', secret: rotated });
  expect((await keys('update', id, '--webhook-url', 'none')).code).toBe(0);
  expect(await stack.ctx.tenants.get('desk')).not.toHaveProperty('webhook');

  const admin = JSON.parse((await keys('create', '--name', 'ops', '--scope', 'admin', '--json')).stdout) as { id: string };
  const refused = await keys('update', admin.id, '--max-rate', '5');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/has no tenant.*\[VALIDATION_FAILED\]/);
  const unknown = await keys('revoke', 'nokeyhere000');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('[KEY_NOT_FOUND]');
});

it('refuses bad input naming the field, and creates nothing', async () => {
  const before = await stack.ctx.redis.hlen(stack.ctx.keys.apiKeys());
  const cases: Array<[string[], number, RegExp]> = [
    [['--name', 'bad name', '--scope', 'admin'], 1, /name "bad name"/],
    [['--name', 'x', '--scope', 'owner'], 1, /scope "owner"/],
    // A tenant key's tenant is its name when none is given, if that name can be a tenant's (lower case).
    [['--name', 'Shop_Key', '--scope', 'tenant'], 1, /tenant key needs its tenant/],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 'Shop!'], 1, /tenant "Shop!"/],
    [['--name', 'x', '--scope', 'admin', '--expires', '90x'], 1, /expires "90x"/],
    [['--name', 'x', '--scope', 'admin', '--expires', '4000d'], 1, /expires "4000d"/],
    [['--name', 'x', '--scope', 'admin', '--max-rate', '5'], 1, /belong to a tenant/],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--max-rate', 'fast'], 2, /--max-rate must be a whole number/],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--max-rate', '0'], 1, /maxRate must be a whole number from 1/],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--lanes', 'urgent'], 2, /--lanes/],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--spend-per-day', '1.1234567'], 1, /spendPerDay "1.1234567"/],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--webhook-url', 'ftp://x/y'], 1, /webhook url must be an http/],
    [
      ['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--webhook-url', 'http://x/y', '--webhook-secret', 'plain'],
      1,
      /webhook secret/,
    ],
    [['--name', 'x', '--scope', 'tenant', '--tenant', 't', '--max-rate', 'none'], 2, /only smsq keys update removes/],
    [['--scope', 'admin'], 2, /--name is required/],
    [['--name', 'x', '--scope', 'admin', '--colour', 'red'], 2, /unknown option --colour/],
  ];
  for (const [args, code, message] of cases) {
    const r = await keys('create', ...args);
    expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' });
    expect(r.stderr).toMatch(message);
  }
  expect(await stack.ctx.redis.hlen(stack.ctx.keys.apiKeys())).toBe(before);
  expect(await stack.ctx.redis.hexists(stack.ctx.keys.tenants(), 't')).toBe(0);
  expect((await keys('update', 'abc')).code).toBe(2);
  expect((await keys('rotate')).code).toBe(2);
});

it('answers smsq keys --help without Redis', async () => {
  const r = await runSmsq(['keys', '--help'], { ...stack.env, REDIS_URL: 'redis://127.0.0.1:1' });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: smsq keys create/);
});
