import { loadConfig } from '../../src/shared/load-config';

const base = { SMS_API_BASE_URL: 'http://127.0.0.1:9/sms' };

describe('settling, durability and sentinel configuration', () => {
  it('settles automatically and resends by default, waits for no replica, and uses no sentinel', () => {
    const c = loadConfig(base);
    expect(c.settling).toEqual({ autoReconcile: true, autoResend: true });
    expect(c.durability).toEqual({ mode: 'none', timeoutMs: 1_000 });
    expect(c.redisSentinel).toBeUndefined();
  });

  it('reads SMS_AUTO_RECONCILE, SMS_AUTO_RESEND, REDIS_DURABILITY and its timeout', () => {
    const c = loadConfig({ ...base, SMS_AUTO_RECONCILE: 'false', SMS_AUTO_RESEND: 'no', REDIS_DURABILITY: 'replica', REDIS_DURABILITY_TIMEOUT_MS: '250' });
    expect(c.settling).toEqual({ autoReconcile: false, autoResend: false });
    expect(c.durability).toEqual({ mode: 'replica', timeoutMs: 250 });
  });

  it('reads the sentinels, their name and password', () => {
    const c = loadConfig({ ...base, REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380', REDIS_SENTINEL_NAME: 'mymaster', REDIS_SENTINEL_PASSWORD: 's3cret' });
    expect(c.redisSentinel).toEqual({ nodes: [{ host: '10.0.0.1', port: 26379 }, { host: '::1', port: 26380 }], name: 'mymaster', password: 's3cret' });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ ...base, REDIS_DURABILITY: 'disk', REDIS_SENTINELS: 'nohost', SMS_AUTO_RESEND: 'maybe' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/REDIS_DURABILITY=disk is not one of none, replica, aof[\s\S]*REDIS_SENTINELS entry "nohost" is not host:port[\s\S]*REDIS_SENTINELS needs REDIS_SENTINEL_NAME/),
      }),
    );
    expect(() => loadConfig({ ...base, REDIS_SENTINEL_NAME: 'mymaster' })).toThrow(/REDIS_SENTINEL_NAME is set without REDIS_SENTINELS/);
  });

  it('refuses REDIS_DURABILITY and REDIS_SENTINELS on a Redis Cluster', () => {
    expect(() => loadConfig({ ...base, QUEUE_PREFIX: '{smsq}', REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_DURABILITY: 'replica' })).toThrow(/not supported on Redis Cluster/);
    expect(() => loadConfig({ ...base, QUEUE_PREFIX: '{smsq}', REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm' })).toThrow(/cannot both be set/);
  });
});
