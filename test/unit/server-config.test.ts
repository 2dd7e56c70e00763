import { loadConfig } from '../../src/shared/load-config';

describe("the server's configuration", () => {
  it('has documented defaults: port 3000, no token, no dashboard login, 10 MB JSON and 128 MiB streamed bodies', () => {
    const c = loadConfig({});
    expect(c.server).toEqual({
      port: 3000,
      host: '0.0.0.0',
      allowedHosts: [],
      apiToken: undefined,
      dashboard: undefined,
      dashboardReadOnly: false,
      jsonBodyLimit: 10 * 1024 * 1024,
      streamBodyLimit: 128 * 1024 * 1024,
      trustProxy: false,
    });
    expect(c.metricsPort).toBeUndefined();
    expect(Object.isFrozen(c.server)).toBe(true);
  });

  it('reads every server variable', () => {
    const c = loadConfig({
      SERVER_PORT: '8080',
      SERVER_HOST: '10.0.0.5',
      SERVER_ALLOWED_HOSTS: 'SMS.example.com, [::1]:8080',
      API_TOKEN: 'a'.repeat(32),
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'p'.repeat(20),
      DASHBOARD_READ_ONLY: 'true',
      API_JSON_BODY_LIMIT: '2048',
      API_STREAM_BODY_LIMIT: '4096',
      METRICS_PORT: '9464',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1',
    });
    expect(c.server).toEqual({
      port: 8080,
      host: '10.0.0.5',
      allowedHosts: ['sms.example.com', '[::1]:8080'],
      apiToken: 'a'.repeat(32),
      dashboard: { user: 'ops', password: 'p'.repeat(20) },
      dashboardReadOnly: true,
      jsonBodyLimit: 2048,
      streamBodyLimit: 4096,
      trustProxy: ['10.0.0.0/8', '127.0.0.1', '::1'],
    });
    expect(c.metricsPort).toBe(9464);
  });

  it('wants the dashboard user and password together', () => {
    expect(() => loadConfig({ DASHBOARD_USER: 'ops' })).toThrow(/DASHBOARD_USER and DASHBOARD_PASSWORD must be set together/);
    expect(() => loadConfig({ DASHBOARD_PASSWORD: 'p'.repeat(20) })).toThrow(/must be set together/);
  });

  it('refuses secrets too short to guard a public address, without printing them', () => {
    let message = '';
    try {
      loadConfig({ API_TOKEN: 'hunter2', DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'letmein' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/API_TOKEN is shorter than 16[\s\S]*DASHBOARD_PASSWORD is shorter than 16/);
    expect(message).not.toMatch(/hunter2|letmein/);
  });

  it('names a SERVER_ALLOWED_HOSTS entry that is not a host name', () => {
    expect(() => loadConfig({ SERVER_ALLOWED_HOSTS: 'ok.example,http://x.example/' })).toThrow(
      /SERVER_ALLOWED_HOSTS has "http:\/\/x.example\/"/,
    );
  });

  it('reads TRUST_PROXY as true, a hop count or addresses and ranges, and names anything else', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).server.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).server.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).server.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'fd00::/8' }).server.trustProxy).toEqual(['fd00::/8']);
    for (const bad of ['0', 'yes', '10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1'])
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY=.* is not true, a hop count/);
  });

  it('names a bad port', () => {
    expect(() => loadConfig({ SERVER_PORT: '70000', METRICS_PORT: 'x' })).toThrow(/SERVER_PORT=70000[\s\S]*METRICS_PORT=x/);
  });
});
