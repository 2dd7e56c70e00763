import { loadConfig } from '../../src/shared/load-config';

const base = { SMS_API_BASE_URL: 'http://127.0.0.1:9/sms' };

describe('settling, durability and sentinel configuration', () => {
  it('settles automatically and resends by default, waits for no replica, and uses no sentinel', () => {
    const c = loadConfig(base);
    expect(c.settling).toEqual({ autoSettle: true, autoResend: true, settleAfterMs: 300_000 });
    expect(c.durability).toEqual({ mode: 'none', timeoutMs: 1_000 });
    expect(c.redisSentinel).toBeUndefined();
  });

  it('reads SMS_AUTO_SETTLE, SMS_AUTO_RESEND, SMS_SETTLE_AFTER_MS, REDIS_DURABILITY and its timeout', () => {
    const c = loadConfig({
      ...base,
      SMS_AUTO_SETTLE: 'false',
      SMS_AUTO_RESEND: 'no',
      SMS_SETTLE_AFTER_MS: '0',
      REDIS_DURABILITY: 'replica',
      REDIS_DURABILITY_TIMEOUT_MS: '250',
    });
    expect(c.settling).toEqual({ autoSettle: false, autoResend: false, settleAfterMs: 0 });
    expect(c.durability).toEqual({ mode: 'replica', timeoutMs: 250 });
  });

  describe("the settling variables' old names (SMS_AUTO_RECONCILE, RECONCILE_SETTLE_MS)", () => {
    // First in the file to load the old names: each is warned about once per process.
    it('are each named in one DeprecationWarning, however often the configuration is loaded', () => {
      const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        for (let i = 0; i < 3; i++) loadConfig({ ...base, SMS_AUTO_RECONCILE: 'true', RECONCILE_SETTLE_MS: '0' });
        expect(emit.mock.calls).toEqual([
          ['SMS_AUTO_RECONCILE is deprecated: use SMS_AUTO_SETTLE', { type: 'DeprecationWarning', code: 'SMSQ_RENAMED_VARIABLE' }],
          ['RECONCILE_SETTLE_MS is deprecated: use SMS_SETTLE_AFTER_MS', { type: 'DeprecationWarning', code: 'SMSQ_RENAMED_VARIABLE' }],
        ]);
      } finally {
        emit.mockRestore();
      }
    });

    it('set the same values as the new names, and are checked the same way', () => {
      const old = loadConfig({ ...base, SMS_AUTO_RECONCILE: 'false', RECONCILE_SETTLE_MS: '60000' });
      const renamed = loadConfig({ ...base, SMS_AUTO_SETTLE: 'false', SMS_SETTLE_AFTER_MS: '60000' });
      expect(old.settling).toEqual({ autoSettle: false, autoResend: true, settleAfterMs: 60_000 });
      expect(old).toEqual(renamed);
      expect(() => loadConfig({ ...base, RECONCILE_SETTLE_MS: '-1' })).toThrow(
        /RECONCILE_SETTLE_MS=-1 is not a whole number from 0 to 86400000/,
      );
    });

    it('give way to the new names when both are set', () => {
      const c = loadConfig({
        ...base,
        SMS_AUTO_RECONCILE: 'false',
        SMS_AUTO_SETTLE: 'true',
        RECONCILE_SETTLE_MS: '1',
        SMS_SETTLE_AFTER_MS: '2',
      });
      expect(c.settling).toEqual({ autoSettle: true, autoResend: true, settleAfterMs: 2 });
    });
  });

  it('reads the sentinels, their name and password', () => {
    const c = loadConfig({
      ...base,
      REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 's3cret',
    });
    expect(c.redisSentinel).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      password: 's3cret',
    });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ ...base, REDIS_DURABILITY: 'disk', REDIS_SENTINELS: 'nohost', SMS_AUTO_RESEND: 'maybe' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /REDIS_DURABILITY=disk is not one of none, replica, aof[\s\S]*REDIS_SENTINELS entry "nohost" is not host:port[\s\S]*REDIS_SENTINELS needs REDIS_SENTINEL_NAME/,
        ),
      }),
    );
    expect(() => loadConfig({ ...base, REDIS_SENTINEL_NAME: 'mymaster' })).toThrow(/REDIS_SENTINEL_NAME is set without REDIS_SENTINELS/);
  });

  it('refuses REDIS_DURABILITY and REDIS_SENTINELS on a Redis Cluster', () => {
    expect(() =>
      loadConfig({ ...base, QUEUE_PREFIX: '{smsq}', REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_DURABILITY: 'replica' }),
    ).toThrow(/not supported on Redis Cluster/);
    expect(() =>
      loadConfig({
        ...base,
        QUEUE_PREFIX: '{smsq}',
        REDIS_CLUSTER_NODES: '127.0.0.1:7000',
        REDIS_SENTINELS: '127.0.0.1:26379',
        REDIS_SENTINEL_NAME: 'm',
      }),
    ).toThrow(/cannot both be set/);
  });
});
