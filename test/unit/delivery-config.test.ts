import { loadConfig } from '../../src/shared/load-config';

describe('delivery-report configuration', () => {
  it('has documented defaults', () => {
    expect(loadConfig({}).delivery).toEqual({
      tracking: true,
      token: undefined,
      allowedIps: [],
      pollIntervalMs: 60_000,
      pollAfterMs: 600_000,
      pollRatePerSecond: 2,
      pollMaxCalls: 50,
      expireAfterMs: 259_200_000,
      holdMs: 86_400_000,
    });
  });

  it('keeps the default expiry within a short retention, and refuses one set past it', () => {
    expect(loadConfig({ RESULT_RETENTION_SECONDS: '60' }).delivery.expireAfterMs).toBe(54_000);
    expect(() => loadConfig({ RESULT_RETENTION_SECONDS: '3600', DLR_EXPIRE_AFTER_MS: '3600000' })).toThrow(
      /DLR_EXPIRE_AFTER_MS \(3600000\) must be below RESULT_RETENTION_SECONDS/,
    );
  });

  it('reads the allow list and refuses what is no address or range', () => {
    expect(loadConfig({ DLR_ALLOWED_IPS: '203.0.113.0/24, 2001:db8::1,10.1.2.3' }).delivery.allowedIps).toEqual([
      '203.0.113.0/24',
      '2001:db8::1',
      '10.1.2.3',
    ]);
    expect(() => loadConfig({ DLR_ALLOWED_IPS: '10.0.0.0/33,example.com,1.2.3.4/8/9' })).toThrow(
      /"10\.0\.0\.0\/33"[\s\S]*"example\.com"[\s\S]*"1\.2\.3\.4\/8\/9"/,
    );
  });

  it('wants a token that is long and fits a URL path, without printing it', () => {
    expect(loadConfig({ DLR_TOKEN: 'a'.repeat(16) }).delivery.token).toBe('a'.repeat(16));
    for (const bad of ['short-token', 'has/slash/0123456789', 'spaces in it 0123456789']) {
      expect(() => loadConfig({ DLR_TOKEN: bad })).toThrow(
        /^(?![\s\S]*(short-token|has\/slash|spaces in))[\s\S]*DLR_TOKEN must be 16 to 256/,
      );
    }
  });

  it('turns polling off with an interval of 0, and all tracking off with DLR_TRACKING=false', () => {
    expect(loadConfig({ DLR_POLL_INTERVAL_MS: '0' }).delivery.pollIntervalMs).toBe(0);
    expect(loadConfig({ DLR_TRACKING: 'false' }).delivery.tracking).toBe(false);
  });
});
