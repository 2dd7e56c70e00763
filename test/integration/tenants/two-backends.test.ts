/**
 * The Done-when, as two backends and an operator meet it: keys made with `smsq keys create` (a process),
 * the API over HTTP, workers sending through the simulator, a webhook receiver per backend and one for the operator.
 * Each backend sees and controls only its own campaigns, cannot pass its limits, receives only its own webhooks; the
 * admin sees both; every change is in the audit trail with the key that made it.
 */
import { useCampaignStack } from '../../support/campaigns';
import { runSmsq } from '../../support/cli';
import { waitFor } from '../../support/env';
import { newSecret, WebhookReceiver } from '../../support/webhook-receiver';

const secrets = { operator: newSecret(), shop: newSecret(), billing: newSecret() };
const receivers = {
  operator: new WebhookReceiver(secrets.operator, '/operator'),
  shop: new WebhookReceiver(secrets.shop, '/shop'),
  billing: new WebhookReceiver(secrets.billing, '/billing'),
};
beforeAll(() => Promise.all(Object.values(receivers).map((r) => r.up())));
afterAll(() => Promise.all(Object.values(receivers).map((r) => r.down())));

const stack = useCampaignStack('two-backends', {
  app: 'listen',
  workers: 2,
  env: () => ({ WEBHOOK_URL: receivers.operator.url, WEBHOOK_SECRET: secrets.operator, SMS_BATCH_SIZE: '250' }),
});

type Who = 'shop' | 'billing' | 'ops';
/** An answer's JSON, read loosely: the assertions say what it must hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of answers whose shape each assertion states
type Json = any;
const keys = {} as Record<Who, string>;

async function createKey(args: string[]): Promise<string> {
  const r = await runSmsq(['keys', 'create', ...args, '--json'], stack.env);
  if (r.code !== 0) throw new Error(`smsq keys create ${args.join(' ')}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { key: string }).key;
}

beforeAll(async () => {
  // The operator gives each backend a tenant key with its limits and webhook, and keeps an admin key.
  keys.shop = await createKey([
    '--name',
    'shop-backend',
    '--scope',
    'tenant',
    '--tenant',
    'shop',
    '--recipients-per-day',
    '1500',
    '--webhook-url',
    receivers.shop.url,
    '--webhook-secret',
    secrets.shop,
  ]);
  keys.billing = await createKey([
    '--name',
    'billing-backend',
    '--scope',
    'tenant',
    '--tenant',
    'billing',
    '--lanes',
    'normal,low',
    '--webhook-url',
    receivers.billing.url,
    '--webhook-secret',
    secrets.billing,
  ]);
  keys.ops = await createKey(['--name', 'ops', '--scope', 'admin']);
}, 60_000);

async function call(who: Who, method: string, route: string, body?: unknown): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(`${stack.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${keys[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const numbers = (first: number, n: number) => Array.from({ length: n }, (_, i) => String(first + i));
const shopNumbers = numbers(447700100000, 1000);
const billingNumbers = numbers(447700200000, 1000);

it('keeps two backends apart and lets the operator see and audit both', async () => {
  // Both backends queue a campaign under the same id.
  const shopQueued = await call('shop', 'POST', '/v1/campaigns', {
    campaignId: 'welcome',
    content: 'Welcome to the shop',
    recipients: shopNumbers.map((number) => ({ number })),
  });
  const billingQueued = await call('billing', 'POST', '/v1/campaigns', {
    campaignId: 'welcome',
    content: 'Your invoice',
    recipients: billingNumbers.map((number) => ({ number })),
  });
  expect([shopQueued.status, billingQueued.status]).toEqual([201, 201]);
  expect(shopQueued.json.campaignId).toBe('welcome');

  for (const who of ['shop', 'billing'] as const)
    await waitFor(
      `${who}'s campaign to complete`,
      async () => ((await call(who, 'GET', '/v1/campaigns/welcome')).json?.state === 'completed' ? true : undefined),
      60_000,
    );

  // What reached the gateway: each backend's numbers once, with its own text.
  const ledger = [...stack.sim.ledger.entries()];
  const sentWith = (content: string) =>
    ledger
      .filter((e) => e.content === content)
      .map((e) => e.number)
      .sort();
  expect(sentWith('Welcome to the shop')).toEqual(shopNumbers);
  expect(sentWith('Your invoice')).toEqual(billingNumbers);

  // Each backend sees only its own: the list, the campaign, its results.
  const shopList = await call('shop', 'GET', '/v1/campaigns');
  expect(shopList.json.campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual(['welcome']);
  const shopResults = (await call('shop', 'GET', '/v1/campaigns/welcome/results')).text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { number: string });
  expect(shopResults.map((r) => r.number).sort()).toEqual(shopNumbers);
  // … and cannot reach the other's, whatever id it tries: 404, and the campaign is untouched.
  for (const id of ['billing~welcome', 'billing%7Ewelcome'])
    expect((await call('shop', 'POST', `/v1/campaigns/${id}/cancel`)).status).toBe(404);
  expect((await call('billing', 'GET', '/v1/campaigns/welcome')).json.state).toBe('completed');

  // Limits: shop has queued 1,000 of its 1,500 a day; 600 more are refused and nothing is queued.
  const over = await call('shop', 'POST', '/v1/campaigns', {
    campaignId: 'more',
    content: 'More',
    recipients: numbers(447700300000, 600).map((number) => ({ number })),
  });
  expect(over.status).toBe(429);
  expect(over.json.error.code).toBe('DAILY_LIMIT_REACHED');
  // billing may not use the high lane.
  const urgent = await call('billing', 'POST', '/v1/campaigns', {
    campaignId: 'urgent',
    content: 'Urgent',
    priority: 'high',
    recipients: [{ number: '447700400000' }],
  });
  expect(urgent.json.error.code).toBe('LANE_NOT_ALLOWED');
  expect((await call('ops', 'GET', '/v1/campaigns')).json.campaigns.map((c: { campaignId: string }) => c.campaignId).sort()).toEqual([
    'billing~welcome',
    'shop~welcome',
  ]);
  expect(await stack.ctx.redis.keys(`${stack.prefix}:campaign:shop~more*`)).toEqual([]);
  expect(await stack.ctx.redis.keys(`${stack.prefix}:campaign:billing~urgent*`)).toEqual([]);

  // Webhooks: each backend got its own campaign's events, signed with its own secret; the operator got none of them.
  for (const [who, mine] of [
    ['shop', shopNumbers],
    ['billing', billingNumbers],
  ] as const) {
    const r = receivers[who];
    await waitFor(
      `${who}'s campaign.completed`,
      async () => (r.events().some((e) => e.type === 'campaign.completed') ? true : undefined),
      30_000,
    );
    expect(r.calls.every((c) => c.verified)).toBe(true);
    expect(new Set(r.events().map((e) => e.data.campaignId))).toEqual(new Set(['welcome']));
    const settled = r
      .events()
      .filter((e) => e.type === 'recipients.settled')
      .flatMap((e) => (e.data.recipients as Array<{ number: string }>).map((x) => x.number));
    expect(settled.sort()).toEqual([...mine]);
  }
  expect(receivers.operator.calls).toEqual([]);

  // The operator pauses and resumes shop's next campaign (scheduled), shop cancels it: all in the trail, with who.
  const later = await call('shop', 'POST', '/v1/campaigns', {
    campaignId: 'later',
    content: 'Later',
    sendAt: new Date(Date.now() + 86_400_000).toISOString(),
    recipients: [{ number: '447700500000' }],
  });
  expect(later.status).toBe(201);
  expect((await call('ops', 'POST', '/v1/campaigns/shop~later/pause', { reason: 'checking' })).status).toBe(200);
  expect((await call('ops', 'POST', '/v1/campaigns/shop~later/resume')).status).toBe(200);
  expect((await call('shop', 'POST', '/v1/campaigns/later/cancel')).json.state).toBe('cancelled');

  const trail = (await call('ops', 'GET', '/v1/audit?limit=100')).json.entries as Array<{
    action: string;
    keyName: string;
    tenant?: string;
    campaignId?: string;
  }>;
  const seen = trail.map((e) => `${e.keyName} ${e.action} ${e.campaignId ?? e.tenant ?? ''}`);
  expect(seen).toEqual(
    expect.arrayContaining([
      'shop-backend campaign.enqueue shop~welcome',
      'billing-backend campaign.enqueue billing~welcome',
      'shop-backend campaign.enqueue shop~later',
      'ops campaign.pause shop~later',
      'ops campaign.resume shop~later',
      'shop-backend campaign.cancel shop~later',
    ]),
  );
  expect(trail.filter((e) => e.action === 'key.create').map((e) => e.keyName)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^cli:/)]),
  );
  // Refused attempts changed nothing, so they are not in the trail.
  expect(seen.filter((s) => s.includes('more') || s.includes('urgent'))).toEqual([]);
  // A backend may not read the trail.
  expect((await call('shop', 'GET', '/v1/audit')).status).toBe(403);
}, 180_000);
