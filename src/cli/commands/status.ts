import type { Producer } from '../../producer';
import { campaignJson } from '../../shared/campaign/json';
import { loadConfig } from '../../shared/load-config';
import type { CampaignInfo } from '../../shared/types';
import { parse, positiveNumber } from '../args';
import { formatStatus } from '../format';
import { withProducer } from '../open-producer';
import { out, say } from '../output';
import { ProgressBar } from '../progress';

const ENDED = new Set(['completed', 'failed', 'cancelled']);
/** Ended, and every recipient settled: a failed or cancelled campaign may still be settling a call in flight. */
const over = (info: CampaignInfo) => ENDED.has(info.state) && info.counts.pending === 0;

/** `smsq status ID [--json]` */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'a campaign id' });
  const [info, workers] = await withProducer(async (smsq) => Promise.all([smsq.getCampaign(positionals[0]), smsq.workerCount()]));
  await out(values.json ? `${JSON.stringify(campaignJson(info))}\n` : `${formatStatus(info)}\n`);
  if (!over(info) && workers === 0) say(`${noWorker()}\n`);
  return 0;
}

/** Said when a campaign still has work and nothing would do it: the usual reason a campaign "hangs". */
const noWorker = () =>
  `smsq: no worker is connected to the queue (QUEUE_PREFIX=${loadConfig().queuePrefix}): nothing is sending; start one with \`smsq worker\``;

/** Says so on stderr when the last worker goes, and when one comes back; returns whether one is connected now. */
async function watchWorkers(smsq: Producer, had: boolean | undefined): Promise<boolean> {
  const count = await smsq.workerCount();
  if (count === null) return true; // Redis will not list its clients: nothing to say either way
  const has = count > 0;
  if (!has && had !== false) say(`\n${noWorker()}\n`);
  if (has && had === false) process.stderr.write('smsq: a worker is connected again\n');
  return has;
}

/**
 * `smsq wait ID [--timeout S] [--interval MS]`: polls until the campaign ends with every recipient settled; exit 0 when it completed,
 * 1 when it failed, was cancelled or the timeout passed. A progress bar on a terminal, a final status line always.
 */
export async function waitCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { timeout: { type: 'string' }, interval: { type: 'string' } },
    { min: 1, max: 1, names: 'a campaign id' },
  );
  const timeoutMs = positiveNumber('timeout', values.timeout, Infinity) * 1000;
  const intervalMs = positiveNumber('interval', values.interval, 500);
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const deadline = Date.now() + timeoutMs;
  return withProducer(async (smsq) => {
    let info: CampaignInfo = await smsq.getCampaign(positionals[0]);
    let workers: boolean | undefined;
    while (!over(info) && Date.now() < deadline) {
      workers = await watchWorkers(smsq, workers);
      bar?.update(info.counts.total - info.counts.pending, info.counts.total, info.state);
      await new Promise((r) => setTimeout(r, intervalMs));
      info = await smsq.getCampaign(positionals[0]);
    }
    bar?.done();
    await out(`${formatStatus(info)}\n`);
    if (!over(info)) process.stderr.write(`smsq wait: timed out after ${values.timeout} s\n`);
    return info.state === 'completed' ? 0 : 1;
  });
}
