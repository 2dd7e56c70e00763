import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { BEARER } from '../support/server';

/** The suppression list as operators meet it: `smsq suppress …` as a process, and /v1/suppressions. */
const cli = useCampaignStack('suppress-cli', { producer: false, dir: true });

it('adds, checks, lists and removes numbers, normalised as recipients are', async () => {
  const add = await runSmsq(['suppress', 'add', '+44 7700 900001', '447700900002', '--reason', 'complaint'], cli.env);
  expect(add).toMatchObject({ code: 0, stdout: 'suppressed 2 number(s), 2 new\n' });
  const yes = await runSmsq(['suppress', 'check', '0044-7700-900001'], cli.env);
  expect(yes.code).toBe(0);
  expect(yes.stdout).toMatch(/^447700900001: suppressed \(complaint, by cli, \d{4}-\d\d-\d\dT/);
  const no = await runSmsq(['suppress', 'check', '447700900003'], cli.env);
  expect(no).toMatchObject({ code: 1, stdout: '447700900003: not suppressed\n' });

  const list = await runSmsq(['suppress', 'list', '--format', 'ndjson'], cli.env);
  const entries = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { number: string; reason: string });
  expect(entries.map((e) => e.number).sort()).toEqual(['447700900001', '447700900002']);
  expect(entries[0].reason).toBe('complaint');

  const removed = await runSmsq(['suppress', 'remove', '447700900002'], cli.env);
  expect(removed.stdout).toBe('removed 1 of 1 number(s) from the suppression list\n');
  expect((await runSmsq(['suppress', 'check', '447700900002'], cli.env)).code).toBe(1);

  const bad = await runSmsq(['suppress', 'add', '12'], cli.env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('[VALIDATION_FAILED]');
  const usage = await runSmsq(['suppress', 'delete', '447700900001'], cli.env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('unknown subcommand "delete"');
});

it('imports a CSV file, naming each bad row with its line and importing the rest', async () => {
  const file = path.join(cli.dir, 'optouts.csv');
  await writeFile(file, 'phone\n447700900010\nnot-a-number\n+447700900011\n');
  const r = await runSmsq(['suppress', 'import', file], cli.env);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("line 3: number has characters other than digits: 'n'");
  expect(r.stdout).toBe('imported 2 number(s), 2 new; 1 invalid row(s) skipped\n');
  const check = await runSmsq(['suppress', 'check', '447700900011'], cli.env);
  expect(check.stdout).toContain('suppressed (import, by cli-import');
});

describe('HTTP API', () => {
  const stack = useCampaignStack('suppress-api', { app: 'inject', workers: 1 });

  const inject = (method: 'GET' | 'POST', url: string, payload?: string, type = 'application/json') =>
    stack.server.app.inject({ method, url, headers: { ...BEARER, ...(payload !== undefined ? { 'content-type': type } : {}) }, payload });

  it('adds, checks, streams, imports and removes through /v1/suppressions', async () => {
    const add = await inject(
      'POST',
      '/v1/suppressions',
      JSON.stringify({ numbers: ['+44 7700 900020', '447700900021'], reason: 'stop-reply' }),
    );
    expect(add.statusCode).toBe(200);
    expect(add.json()).toEqual({ numbers: 2, added: 2 });
    expect((await inject('GET', '/v1/suppressions/447700900020')).json()).toMatchObject({
      suppressed: true,
      number: '447700900020',
      reason: 'stop-reply',
      source: 'api',
    });
    expect((await inject('GET', '/v1/suppressions/447700900029')).json()).toEqual({ suppressed: false, number: '447700900029' });

    const imported = await inject('POST', '/v1/suppressions/import?reason=bounce', '447700900022\n447700900023\n', 'text/csv');
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toMatchObject({ read: 2, added: 2, invalidCount: 0 });

    const all = await inject('GET', '/v1/suppressions');
    expect(all.headers['content-type']).toContain('application/x-ndjson');
    const numbers = all.body
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { number: string }).number)
      .sort();
    expect(numbers).toEqual(['447700900020', '447700900021', '447700900022', '447700900023']);

    const removed = await inject('POST', '/v1/suppressions/remove', JSON.stringify({ numbers: ['447700900021'] }));
    expect(removed.json()).toEqual({ numbers: 1, removed: 1 });
    expect((await inject('POST', '/v1/suppressions', JSON.stringify({ numbers: ['nope'] }))).statusCode).toBe(422);
    expect((await inject('POST', '/v1/suppressions', JSON.stringify({ numbers: [] }))).statusCode).toBe(400);
  });
});
