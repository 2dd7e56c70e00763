import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CampaignInfo } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq, SMSQ_BIN } from '../support/cli';
import { waitFor } from '../support/env';

/**
 * `smsq enqueue FILE` killed while it stages a campaign that already sends, as an operator's SIGKILL or a crashed
 * container would: the campaign says its producer is gone, and the same command again finishes it, nobody twice.
 */
const cli = useCampaignStack('staging-cli', { producer: false, dir: true, env: { SMS_BATCH_SIZE: '10', LOG_LEVEL: 'info' } });

const ROWS = 60_000;

async function status(id: string): Promise<CampaignInfo> {
  const s = await runSmsq(['status', id, '--json'], cli.env);
  expect(s.code).toBe(0);
  return JSON.parse(s.stdout) as CampaignInfo;
}

it('a killed enqueue leaves a campaign that sends what was staged and says so; the same enqueue again stages the rest', async () => {
  const file = path.join(cli.dir, 'big.csv');
  await writeFile(file, Array.from({ length: ROWS }, (_, i) => String(447_913_000_000 + i)).join('\n') + '\n');
  const worker = cli.workerProcess();
  await worker.started();

  // Frozen (SIGSTOP) the moment it says the campaign is queued and staging, then killed: it never writes again.
  const enqueue = spawn(process.execPath, [SMSQ_BIN, 'enqueue', file, '--content', 'killed while staging', '--campaign-id', 'killed'], {
    env: cli.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise((resolve) => enqueue.on('exit', resolve));
  const staging = new Promise<void>((resolve) => {
    enqueue.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('is queued and sends while the file is staged')) {
        enqueue.kill('SIGSTOP');
        resolve();
      }
    });
  });
  await Promise.race([staging, exited]);
  enqueue.kill('SIGKILL');
  await exited;
  expect(stderr).toContain('run it again with --campaign-id killed to stage the rest');

  const stopped = await waitFor(
    'the campaign to show its producer gone',
    async () => {
      const info = await status('killed');
      return info.staging && !info.staging.producerAlive ? info : undefined;
    },
    40_000,
    200,
  );
  expect(stopped.staging!.staged).toBeLessThan(ROWS);
  expect(stopped.state).toBe('running');
  const shown = await runSmsq(['status', 'killed'], cli.env);
  expect(shown.stdout).toContain(`staging stopped: ${stopped.staging!.staged} of ${ROWS} recipients written; its producer is gone`);

  const again = await runSmsq(['enqueue', file, '--content', 'killed while staging', '--campaign-id', 'killed'], cli.env);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('staging resumed');
  const wait = await runSmsq(['wait', 'killed', '--timeout', '110'], cli.env);
  expect(wait.code).toBe(0);
  const done = await status('killed');
  expect(done).toMatchObject({ state: 'completed', counts: { total: ROWS, sent: ROWS } });
  const sent = [...cli.sim.ledger.entries()].filter((e) => e.content === 'killed while staging').map((e) => e.number);
  expect(sent.length).toBe(ROWS);
  expect(new Set(sent).size).toBe(ROWS);
  // 6,000 batches of 10: about 35 s alone here, more beside the rest of the suite; `smsq wait` above allows 110 s.
}, 180_000);
