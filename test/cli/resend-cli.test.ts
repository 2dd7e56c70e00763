/**
 * `smsq resend` as a user runs it: after a campaign whose gateway refused some numbers, it prints the new campaign's
 * id last on stdout, and that campaign sends exactly those recipients (the simulator's ledger); nothing to resend is
 * exit 1 with NOTHING_TO_RESEND and no campaign made.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';

// 4,000 personalised texts go in sendSms/batch calls of 1,000: the product's 20 s deadline, not the test default's 2 s.
const cli = useCampaignStack('cli-resend', {
  producer: false,
  dir: true,
  env: { LOG_LEVEL: 'info', SMS_RESPONSE_TIMEOUT_MS: '20000', WORKER_LOCK_DURATION_MS: '30000' },
});

it('resends to the 500 refused of 4,000: the new id printed last, each of them sent once, nobody else again', async () => {
  const numbers = Array.from({ length: 4_000 }, (_, i) => String(447_732_000_000 + i));
  const refused = numbers.filter((_, i) => i % 8 === 3);
  expect(refused).toHaveLength(500);
  const file = path.join(cli.dir, 'list.csv');
  await writeFile(file, `number,name\n${numbers.map((n, i) => `${n},Ana${i}`).join('\n')}\n`);
  const worker = cli.workerProcess();
  await worker.started();
  cli.sim.setFaults({ refuseNumbers: refused });
  const enqueue = await runSmsq(['enqueue', file, '--content', 'Hi {{name}}', '--campaign-id', 'april'], cli.env);
  expect(enqueue.code).toBe(0);
  expect((await runSmsq(['wait', 'april', '--timeout', '60'], cli.env)).code).toBe(0);
  cli.sim.setFaults({ refuseNumbers: [] });

  const resend = await runSmsq(['resend', 'april', '--status', 'failed'], cli.env);
  expect(resend.code).toBe(0);
  expect(resend.stdout.trim().split('\n').at(-1)).toBe('april-resend');
  expect(resend.stderr).toContain('queued: 500 of the 500 recipients of april');
  expect((await runSmsq(['wait', 'april-resend', '--timeout', '60'], cli.env)).code).toBe(0);
  const sent = new Map<string, string[]>();
  for (const e of cli.sim.ledger.entries()) sent.set(e.number, [...(sent.get(e.number) ?? []), e.content]);
  for (const [i, n] of numbers.entries()) expect(sent.get(n)).toEqual([`Hi Ana${i}`]);
  const status = await runSmsq(['status', 'april-resend', '--json'], cli.env);
  expect(JSON.parse(status.stdout)).toMatchObject({ parentId: 'april', counts: { total: refused.length, sent: refused.length } });
  expect((await runSmsq(['status', 'april-resend'], cli.env)).stdout).toContain('resend of april');

  const again = await runSmsq(['resend', 'april-resend', '--json'], cli.env);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('[NOTHING_TO_RESEND]');
  const unknown = await runSmsq(['resend', 'april', '--status', 'failed,unknown'], cli.env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('may have reached the gateway');
});
