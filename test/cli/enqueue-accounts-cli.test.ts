/**
 * Pinning gateway accounts and recipients with no route, as a user meets them on the command line: `smsq enqueue
 * --accounts` refusing an account not configured with nothing queued, a pinned campaign sent only through its
 * account and shown by `smsq status`, and `smsq preview` and `smsq enqueue` naming the rows no account takes, which
 * then end failed NO_ROUTE.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runSmsq } from '../support/cli';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';

const stack = useCampaignStack('enqueue-accounts-cli', {
  dir: true,
  workers: 1,
  simulator: { accounts: [{ name: 'uk' }, { name: 'any' }] },
  env: () => ({
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'uk', baseUrl: stack.sim.account('uk').baseUrl, prefixes: ['44'] },
      { name: 'any', baseUrl: stack.sim.account('any').baseUrl, senderIds: ['ALERTS'] },
    ]),
  }),
});

async function listFile(name: string, numbers: string[]): Promise<string> {
  const file = path.join(stack.dir, name);
  await writeFile(file, numbers.map((n) => `${n}\n`).join(''));
  return file;
}

it('refuses an account that is not configured, naming those that are, and queues nothing', async () => {
  const file = await listFile('refused.csv', ['447700910001', '447700910002']);
  const run = await runSmsq(['enqueue', file, '--content', 'hi', '--accounts', 'uk,zz'], stack.env);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('"zz" is not a configured gateway account; nothing was queued');
  expect(run.stderr).toContain('[UNKNOWN_ACCOUNT]');
  expect((await stack.producer.listCampaigns()).campaigns).toHaveLength(0);
});

it('sends a pinned campaign through its account only, and smsq status shows the pin', async () => {
  const file = await listFile('pinned.csv', ['447700920001', '447700920002', '447700920003']);
  const run = await runSmsq(['enqueue', file, '--content', 'alert', '--sender-id', 'ALERTS', '--accounts', 'any'], stack.env);
  expect(run.code).toBe(0);
  const id = run.stdout.trim();
  expect((await campaignEnded(stack.producer, id)).counts).toMatchObject({ sent: 3 });
  // The UK account would take these numbers first; the pin sends them through `any`.
  expect((await resultsOf(stack.producer, id)).map((r) => [r.account, stack.sim.account('any').ledger.countFor(r.number)])).toEqual([
    ['any', 1],
    ['any', 1],
    ['any', 1],
  ]);
  const status = await runSmsq(['status', id], stack.env);
  expect(status.stdout).toMatch(/accounts any/);
});

it('names the rows no account takes in the preview and the enqueue, and fails exactly those NO_ROUTE', async () => {
  const file = await listFile('mixed.csv', ['447700930001', '33612345678', '447700930002', '4915112345678']);
  const preview = await runSmsq(['preview', file, '--content', 'hi'], stack.env);
  expect(preview.code).toBe(0);
  expect(preview.stdout).toMatch(/no route {8}2 /);
  expect(preview.stderr + preview.stdout).toContain('(NO_ROUTE): rows 2, 4');
  const run = await runSmsq(['enqueue', file, '--content', 'hi'], stack.env);
  expect(run.code).toBe(0);
  expect(run.stderr).toContain('2 recipients have no gateway account that may send to them (NO_ROUTE): rows 2, 4');
  const id = run.stdout.trim();
  expect((await campaignEnded(stack.producer, id)).counts).toMatchObject({ sent: 2, failed: 2 });
  const rows = await resultsOf(stack.producer, id);
  expect(rows.map((r) => [r.number, r.status, r.code ?? r.account])).toEqual([
    ['447700930001', 'sent', 'uk'],
    ['33612345678', 'failed', 'NO_ROUTE'],
    ['447700930002', 'sent', 'uk'],
    ['4915112345678', 'failed', 'NO_ROUTE'],
  ]);
});
