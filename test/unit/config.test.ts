import { isLocalGateway, redactUrl } from '../../src/shared/config';
import { loadConfig } from '../../src/shared/load-config';
import { SmsqError } from '../../src/shared/errors';

describe('configuration', () => {
  it('has documented defaults and is frozen', () => {
    const c = loadConfig({ SMS_API_BASE_URL: 'http://127.0.0.1:4010/sms' }, { requireGateway: true });
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'smsq',
      batchSize: 1000,
      attempts: 6,
      retryUnknown: false,
      resultRetentionSeconds: 604800,
    });
    expect(Object.isFrozen(c) && Object.isFrozen(c.gateway)).toBe(true);
  });

  it('refuses a worker without credentials for a real gateway, naming every missing variable', () => {
    let err: unknown;
    try {
      loadConfig({}, { requireGateway: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SmsqError);
    expect((err as SmsqError).code).toBe('CONFIG_INVALID');
    for (const name of ['SMS_API_KEY', 'SMS_API_SECRET', 'SMS_APP_ID']) expect((err as Error).message).toContain(name);
    expect((err as Error).message).toContain('simulator');
  });

  it('lets a worker pointed at the local simulator start without credentials', () => {
    expect(loadConfig({ SMS_API_BASE_URL: 'http://localhost:4010/sms' }, { requireGateway: true }).gateway.apiKey).toBe('sim-key');
  });

  it('names each bad variable at once', () => {
    expect(() => loadConfig({ SMS_BATCH_SIZE: '1001', SMS_ATTEMPTS: 'many', REDIS_URL: 'http://x', SMS_RETRY_UNKNOWN: 'maybe' })).toThrow(
      /SMS_BATCH_SIZE=1001[\s\S]*SMS_ATTEMPTS=many[\s\S]*SMS_RETRY_UNKNOWN=maybe|REDIS_URL/,
    );
  });

  it('requires the response timeout to stay below the job lock', () => {
    expect(() => loadConfig({ SMS_RESPONSE_TIMEOUT_MS: '40000' })).toThrow(/WORKER_LOCK_DURATION_MS/);
  });

  it('never prints a Redis password', () => {
    expect(redactUrl('redis://user:hunter2@host:6379')).toBe('redis://user:***@host:6379');
    expect(() => loadConfig({ REDIS_URL: 'ftp://:hunter2@host' })).toThrow(/^(?![\s\S]*hunter2)/);
  });

  it('recognises the local simulator by host', () => {
    expect(isLocalGateway('http://127.0.0.1:1/sms')).toBe(true);
    expect(isLocalGateway('https://api.itniotech.com/sms')).toBe(false);
  });
});
