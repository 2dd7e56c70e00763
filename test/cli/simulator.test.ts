import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { SMSQ_BIN } from '../support/cli';
import { waitUntil } from '../support/wait-for';
import { SIMULATOR_CREDENTIALS } from '../../src/shared/config';
import { sign, timestampNow } from '../../src/shared/gateway/sign';
import { startReceiver } from '../support/report-receiver';

/** Runs the built `smsq simulator ARGS` (npm test builds first), as a separate process like a user's. */
function smsqSimulator(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [SMSQ_BIN, 'simulator', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });
}

async function finished(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Resolves with the first `count` stdout lines. */
async function firstLines(child: ChildProcessWithoutNullStreams, count: number): Promise<string[]> {
  let out = '';
  for await (const chunk of child.stdout) {
    out += chunk;
    const lines = out.split('\n');
    if (lines.length > count) return lines.slice(0, count);
  }
  throw new Error(`the simulator exited without printing its URLs (exit ${child.exitCode})`);
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return (await firstLines(child, 1))[0];
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('smsq simulator', () => {
  it('prints its URL, serves sendSms with the SIM_* credentials and fault flags, and exits 0 on SIGTERM', async () => {
    const child = smsqSimulator(['--port', '0', '--balance', '1'], { SIM_API_KEY: 'k', SIM_API_SECRET: 's', SIM_APP_ID: 'a' });
    children.push(child);
    const line = await firstLine(child);
    const match = /^simulator listening on (http:\/\/127\.0\.0\.1:\d+\/sms) \(SMS_API_BASE_URL\)$/.exec(line);
    expect(match).not.toBeNull();
    const baseUrl = match![1];

    const call = async (numbers: string, apiKey = 'k', apiSecret = 's') => {
      const timestamp = timestampNow();
      const res = await fetch(`${baseUrl}/sendSms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Timestamp: timestamp, 'Api-Key': apiKey, Sign: sign(apiKey, apiSecret, timestamp) },
        body: JSON.stringify({ appId: 'a', numbers, content: 'hi' }),
      });
      return ((await res.json()) as { status: string }).status;
    };
    expect(await call('91856321412', SIMULATOR_CREDENTIALS.apiKey, SIMULATOR_CREDENTIALS.apiSecret)).toBe('-1');
    expect(await call('91856321412,91856321413')).toBe('-10');
    expect(await call('91856321412')).toBe('0');
    const stats = await (await fetch(baseUrl.replace(/\/sms$/, '/__sim/stats'))).json();
    expect(stats).toMatchObject({ calls: 3, accepted: 1 });

    const done = finished(child);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });

  it('serves --accounts at the URLs it prints, one a line, each with its own copy of the flags and its own push addresses', async () => {
    const receiver = await startReceiver();
    try {
      const flags = ['--balance', '1', '--report-delay', '0', '--report-url', receiver.url, '--reply-url', receiver.url];
      const child = smsqSimulator(['--port', '0', '--accounts', 'a,b-2', ...flags]);
      children.push(child);
      const [first, ...rest] = await firstLines(child, 3);
      const baseUrl = /^simulator listening on (http:\/\/127\.0\.0\.1:\d+\/sms) \(SMS_API_BASE_URL\)$/.exec(first)![1];
      const origin = new URL(baseUrl).origin;
      expect(rest).toEqual([`account a: ${origin}/accounts/a/sms`, `account b-2: ${origin}/accounts/b-2/sms`]);

      const { apiKey, apiSecret, appId } = SIMULATOR_CREDENTIALS;
      const call = async (url: string, numbers: string) => {
        const timestamp = timestampNow();
        const res = await fetch(`${url}/sendSms`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Timestamp: timestamp,
            'Api-Key': apiKey,
            Sign: sign(apiKey, apiSecret, timestamp),
          },
          body: JSON.stringify({ appId, numbers, content: 'hi' }),
        });
        return ((await res.json()) as { status: string }).status;
      };
      expect(await call(`${origin}/accounts/a/sms`, '91856321412')).toBe('0');
      expect(await call(`${origin}/accounts/a/sms`, '91856321413')).toBe('-10');
      expect(await call(`${origin}/accounts/b-2/sms`, '91856321414')).toBe('0');
      expect(await call(baseUrl, '91856321415')).toBe('0');
      expect(await (await fetch(`${origin}/__sim/accounts/a/stats`)).json()).toMatchObject({ calls: 2, accepted: 1 });
      expect(await (await fetch(`${origin}/__sim/stats`)).json()).toMatchObject({ calls: 1, accepted: 1 });

      const reply = await fetch(`${origin}/__sim/accounts/b-2/replies`, {
        method: 'POST',
        body: JSON.stringify({ number: '91856321414', content: 'STOP' }),
      });
      expect(await reply.json()).toMatchObject({ injected: 1, pushed: 1 });
      await waitUntil('three reports and a reply', () => receiver.received.length >= 4, 10_000, 20);
      const pushed = receiver.received.map((r) => {
        const body = r.body as Record<string, unknown>;
        return `${r.path} ${String(body.mobile ?? body.content)}`;
      });
      expect(pushed.sort()).toEqual([
        '/dlr 91856321415',
        '/dlr/accounts/a 91856321412',
        '/dlr/accounts/b-2 91856321414',
        '/dlr/accounts/b-2 STOP',
      ]);

      const done = finished(child);
      child.kill('SIGTERM');
      expect((await done).code).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('pushes delivery reports as its report flags say', async () => {
    const receiver = await startReceiver();
    try {
      const child = smsqSimulator([
        '--port',
        '0',
        '--report-url',
        receiver.url,
        '--report-delay',
        '0',
        '--undelivered-rate',
        '1',
        '--report-duplicate-rate',
        '1',
      ]);
      children.push(child);
      const baseUrl = /(http:\/\/\S+\/sms)/.exec(await firstLine(child))![1];
      const timestamp = timestampNow();
      const { apiKey, apiSecret, appId } = SIMULATOR_CREDENTIALS;
      const res = await fetch(`${baseUrl}/sendSms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Timestamp: timestamp, 'Api-Key': apiKey, Sign: sign(apiKey, apiSecret, timestamp) },
        body: JSON.stringify({ appId, numbers: '91856321412', content: 'hi' }),
      });
      expect(((await res.json()) as { status: string }).status).toBe('0');
      await waitUntil('the report and its duplicate', () => receiver.received.length >= 2, 10_000, 20);
      expect(receiver.reports()).toEqual([
        expect.objectContaining({ mobile: '91856321412', status: 1 }),
        expect.objectContaining({ mobile: '91856321412', status: 1 }),
      ]);
      const done = finished(child);
      child.kill('SIGTERM');
      expect((await done).code).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('pushes injected replies to --reply-url', async () => {
    const receiver = await startReceiver();
    try {
      const child = smsqSimulator(['--port', '0', '--reply-url', receiver.url]);
      children.push(child);
      const baseUrl = /(http:\/\/\S+\/sms)/.exec(await firstLine(child))![1];
      const res = await fetch(baseUrl.replace(/\/sms$/, '/__sim/replies'), {
        method: 'POST',
        body: JSON.stringify({ number: '+91856321412', content: 'STOP' }),
      });
      expect(await res.json()).toMatchObject({ injected: 1, pushed: 1 });
      await waitUntil('the reply pushed', () => receiver.received.length >= 1, 10_000, 20);
      expect(receiver.reports()).toEqual([expect.objectContaining({ number: '91856321412', content: 'STOP' })]);
      const done = finished(child);
      child.kill('SIGTERM');
      expect((await done).code).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it.each([
    [['--report-url', 'ftp://example.com'], /--report-url must be an http:\/\/ or https:\/\/ URL/],
    [['--reply-url', 'not a url'], /--reply-url must be an http:\/\/ or https:\/\/ URL/],
    [['--undelivered-rate', '2'], /--undelivered-rate must be a number from 0 to 1/],
    [['--port', 'abc'], /--port must be a port from 0 to 65535/],
    [['--transient-rate', '1.5'], /--transient-rate must be a number from 0 to 1/],
    [['--latency=-1'], /--latency must be milliseconds/],
    [['--frobnicate'], /frobnicate/],
    [['--accounts', 'a,B'], /--accounts: "B" is not an account name/],
    [['--accounts', 'a,,b'], /--accounts: "" is not an account name/],
    [['--accounts', 'a,a'], /--accounts: "a" is given twice/],
    [['--accounts', 'default'], /--accounts: "default" is the unnamed account/],
    [['--accounts', Array.from({ length: 33 }, (_, i) => `n${i}`).join(',')], /--accounts takes at most 32 names, not 33/],
  ])('refuses %j with a message on stderr and exit code 2', async (args, message) => {
    const child = smsqSimulator(args);
    children.push(child);
    const { code, stdout, stderr } = await finished(child);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
