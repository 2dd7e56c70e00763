import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/shared/load-config';
import { type SmsqError } from '../../src/shared/errors';
import { retryDelay } from '../../src/worker/deliver-webhook';
import { verifyWebhook, webhookHeaders, WebhookVerificationError } from '../../src/shared/webhooks/signature';
import { newSecret } from '../support/webhook-receiver';

const secret = newSecret();
const body = JSON.stringify({
  type: 'campaign.started',
  id: 'msg_abc_0',
  timestamp: '2026-11-29T10:00:00.000Z',
  data: { campaignId: 'c-1', seq: 0 },
});

it('signs what the reference standardwebhooks package verifies', () => {
  const headers = webhookHeaders(secret, 'msg_abc_0', body);
  expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
});

it('verifies what the reference package signs, and refuses a changed body, a wrong secret and an old timestamp', () => {
  const now = new Date();
  const headers = {
    'webhook-id': 'msg_abc_0',
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign('msg_abc_0', now, body),
  };
  expect(verifyWebhook(secret, headers, body)).toEqual(JSON.parse(body));
  expect(verifyWebhook(secret, headers, Buffer.from(body))).toEqual(JSON.parse(body));
  expect(() => verifyWebhook(secret, headers, `${body} `)).toThrow(WebhookVerificationError);
  expect(() => verifyWebhook(newSecret(), headers, body)).toThrow('no matching signature');
  expect(() => verifyWebhook(secret, headers, body, now.getTime() + 6 * 60_000)).toThrow('more than 5 minutes');
  expect(() => verifyWebhook(secret, { 'webhook-id': 'msg_abc_0' }, body)).toThrow('missing');
});

it('accepts any of several signatures (secret rotation) and headers in any case', () => {
  const headers = webhookHeaders(secret, 'msg_x_1', body);
  const rotated = {
    'Webhook-Id': headers['webhook-id'],
    'Webhook-Timestamp': headers['webhook-timestamp'],
    'Webhook-Signature': `v1,bm90IGl0 ${headers['webhook-signature']}`,
  };
  expect(verifyWebhook(secret, rotated, body)).toEqual(JSON.parse(body));
});

const env = (extra: Record<string, string>) => ({ SMS_API_BASE_URL: 'http://127.0.0.1:4010', ...extra });

function problems(extra: Record<string, string>): string[] {
  try {
    loadConfig(env(extra));
  } catch (err) {
    return ((err as SmsqError).details?.problems as string[]) ?? [];
  }
  return [];
}

it('validates the webhook configuration, naming each bad variable', () => {
  expect(problems({ WEBHOOK_URL: 'ftp://example.com/hooks', WEBHOOK_SECRET: secret })).toEqual([
    expect.stringMatching(/^WEBHOOK_URL must be an http:\/\/ or https:\/\/ URL, not ftp:/),
  ]);
  expect(problems({ WEBHOOK_URL: 'https://example.com/hooks' })).toEqual([
    expect.stringMatching(/WEBHOOK_URL is set without WEBHOOK_SECRET/),
  ]);
  expect(problems({ WEBHOOK_SECRET: 'not-a-secret' })).toEqual([expect.stringMatching(/^WEBHOOK_SECRET must start with whsec_/)]);
  expect(problems({ WEBHOOK_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}` })).toEqual([
    expect.stringMatching(/24 to 64 random bytes \(it holds 8\)/),
  ]);
  expect(problems({ WEBHOOK_RETRY_FOR: 'forever' })).toEqual([expect.stringMatching(/^WEBHOOK_RETRY_FOR=forever is not a duration/)]);
  expect(problems({ WEBHOOK_TIMEOUT_MS: '40000' })).toEqual([
    expect.stringMatching(/WEBHOOK_TIMEOUT_MS \(40000\) must be below WORKER_LOCK_DURATION_MS/),
  ]);
  const ok = loadConfig(env({ WEBHOOK_URL: 'https://example.com/hooks', WEBHOOK_SECRET: secret, WEBHOOK_RETRY_FOR: '90m' }));
  expect(ok.webhooks).toMatchObject({ url: 'https://example.com/hooks', retryForMs: 90 * 60_000, backoffMs: 5_000, timeoutMs: 10_000 });
  expect(loadConfig(env({})).webhooks).toMatchObject({ url: undefined, secret: undefined, retryForMs: 24 * 3_600_000 });
});

it('spaces retries exponentially with ±50% jitter, up to WEBHOOK_BACKOFF_MAX_MS (an hour)', () => {
  const config = loadConfig(env({ WEBHOOK_BACKOFF_MS: '1000' })).webhooks;
  expect([1, 2, 3, 4].map((n) => retryDelay(config, n, 0.5))).toEqual([1_000, 2_000, 4_000, 8_000]);
  expect(retryDelay(config, 3, 0)).toBe(2_000);
  expect(retryDelay(config, 3, 0.999)).toBe(Math.round(4_000 * 1.499));
  expect(retryDelay(config, 40, 0.5)).toBe(3_600_000);
  expect(retryDelay({ ...config, backoffMaxMs: 3_000 }, 5, 0.5)).toBe(3_000);
});
