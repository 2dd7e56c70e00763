import { parse, positiveNumber } from '../args';
import { formatStatus } from '../format';
import { withProducer } from '../open-producer';

/** `smsq cancel ID` */
export async function cancelCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 1, max: 1, names: 'a campaign id' });
  const info = await withProducer((smsq) => smsq.cancelCampaign(positionals[0]));
  process.stdout.write(`${formatStatus(info)}\n`);
  return 0;
}

/** `smsq max-cost ID AMOUNT|none`: sets or removes a campaign's budget cap. */
export async function maxCostCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 2, max: 2, names: 'a campaign id and an amount (or none)' });
  const [id, raw] = positionals;
  const amount = raw === 'none' ? null : positiveNumber('max-cost', raw, 0);
  const info = await withProducer((smsq) => smsq.setMaxCost(id, amount));
  process.stdout.write(`${formatStatus(info)}\n`);
  return 0;
}

/** `smsq pause`: no worker takes a batch until `smsq resume`; batches in flight finish. */
export async function pauseCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  await withProducer((smsq) => smsq.pause());
  process.stdout.write('sending paused\n');
  return 0;
}

/** `smsq resume`: also clears an account-level stop recorded by a worker (e.g. after a top-up). */
export async function resumeCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  const stop = await withProducer(async (smsq) => {
    const s = await smsq.accountStop();
    await smsq.resume();
    return s;
  });
  process.stdout.write(stop ? `sending resumed (cleared account-level stop: gateway status ${stop.code}, ${stop.reason})\n` : 'sending resumed\n');
  return 0;
}
