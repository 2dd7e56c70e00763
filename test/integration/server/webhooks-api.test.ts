import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';
import { newSecret, WebhookReceiver } from '../../support/webhook-receiver';

const secret = newSecret();
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
const stack = useCampaignStack('api-webhooks', {
  app: 'inject',
  workers: 1,
  env: { WEBHOOK_SECRET: secret, WEBHOOK_BACKOFF_MS: '20', WEBHOOK_RETRY_FOR: '300ms' },
});
afterAll(() => receiver.down());

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  stack.server.app.inject({
    method,
    url,
    headers: { ...BEARER, ...(payload ? { 'content-type': 'application/json' } : {}) },
    payload: payload ? JSON.stringify(payload) : undefined,
  });

it('queues a campaign with its callbackUrl, lists its failed events and re-sends them', async () => {
  receiver.decide = () => 503;
  const created = await inject('POST', '/v1/campaigns', {
    content: 'Hooks by API',
    recipients: [{ number: '447712000001' }],
    callbackUrl: receiver.url,
  });
  expect(created.statusCode).toBe(201);
  const { campaignId } = created.json<{ campaignId: string }>();
  type Failed = { id: string; campaignId: string; type: string; reason: string };
  const failed = await waitFor('3 failed events', async () => {
    const list = (await inject('GET', '/v1/webhooks/failed'))
      .json<{ failed: Failed[] }>()
      .failed.filter((f) => f.campaignId === campaignId);
    return list.length === 3 ? list : undefined;
  });
  expect(failed.map((f) => f.type).sort()).toEqual(['campaign.completed', 'campaign.started', 'recipients.settled']);
  expect(failed[0].reason).toMatch(/^HTTP 503; gave up after/);
  expect((await inject('GET', '/v1/webhooks/failed?limit=1')).json<{ failed: Failed[] }>().failed).toHaveLength(1);

  receiver.decide = () => 200;
  const retried = await inject('POST', '/v1/webhooks/retry', { ids: failed.map((f) => f.id) });
  expect(retried.statusCode).toBe(200);
  expect(new Set(retried.json<{ retried: string[] }>().retried)).toEqual(new Set(failed.map((f) => f.id)));
  await waitFor('the re-sent events', async () => (receiver.events().length === 3 ? true : undefined));
});

it('answers 404 WEBHOOK_NOT_FOUND for an unknown id, 400 for a body naming neither or both, 422 for a bad callbackUrl', async () => {
  const missing = await inject('POST', '/v1/webhooks/retry', { ids: ['msg_nope_3'] });
  expect(missing.statusCode).toBe(404);
  expect(errorCode(missing)).toBe('WEBHOOK_NOT_FOUND');
  for (const body of [{}, { ids: [] }, { ids: ['x'], all: true }, { everything: true }]) {
    const res = await inject('POST', '/v1/webhooks/retry', body);
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('BAD_REQUEST');
  }
  const bad = await inject('POST', '/v1/campaigns', {
    content: 'x',
    recipients: [{ number: '447712000002' }],
    callbackUrl: 'gopher://example.com/',
  });
  expect(bad.statusCode).toBe(422);
  expect(bad.json<{ error: { message: string } }>().error.message).toContain(
    'callbackUrl: must be an http:// or https:// URL, not gopher:',
  );
  expect((await inject('GET', '/v1/webhooks/failed?limit=0')).statusCode).toBe(400);
});
