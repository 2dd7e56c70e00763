import { parse, positiveNumber, UsageError } from '../args';
import { formatStatus } from '../format';
import { withProducer } from '../open-producer';
import { out } from '../output';

/** `smsq cancel ID` */
export async function cancelCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 1, max: 1, names: 'a campaign id' });
  const info = await withProducer((smsq) => smsq.cancelCampaign(positionals[0]));
  await out(`${formatStatus(info)}\n`);
  return 0;
}

/** `smsq reschedule ID --send-at ISO`: moves a scheduled campaign's start. */
export async function rescheduleCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { 'send-at': { type: 'string' } }, { min: 1, max: 1, names: 'a campaign id' });
  const sendAt = values['send-at'];
  if (sendAt === undefined) throw new UsageError('give the new start as --send-at 2026-12-01T09:00:00+01:00');
  const info = await withProducer((smsq) => smsq.rescheduleCampaign(positionals[0], sendAt));
  await out(`${formatStatus(info)}\n`);
  return 0;
}

/** `smsq max-cost ID AMOUNT|none`: sets or removes a campaign's budget cap. */
export async function maxCostCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 2, max: 2, names: 'a campaign id and an amount (or none)' });
  const [id, raw] = positionals;
  const amount = raw === 'none' ? null : positiveNumber('max-cost', raw, 0);
  const info = await withProducer((smsq) => smsq.setMaxCost(id, amount));
  await out(`${formatStatus(info)}\n`);
  return 0;
}

/** `smsq pause [ID] [--reason TEXT]`: one campaign, or without an id the whole queue; batches in flight finish. */
export async function pauseCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { reason: { type: 'string' } },
    { min: 0, max: 1, names: 'a campaign id, or none to pause the whole queue' },
  );
  if (positionals.length === 1) {
    const info = await withProducer((smsq) => smsq.pauseCampaign(positionals[0], { reason: values.reason }));
    await out(`${formatStatus(info)}\n`);
    return 0;
  }
  if (values.reason !== undefined) throw new UsageError('--reason is for pausing one campaign: smsq pause ID --reason TEXT');
  await withProducer((smsq) => smsq.pause());
  await out('sending paused\n');
  return 0;
}

/** `smsq resume [ID]`: one campaign, or the whole queue — which also clears an account-level stop (e.g. after a top-up). */
export async function resumeCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 0, max: 1, names: 'a campaign id, or none to resume the whole queue' });
  if (positionals.length === 1) {
    const info = await withProducer((smsq) => smsq.resumeCampaign(positionals[0]));
    await out(`${formatStatus(info)}\n`);
    return 0;
  }
  const stop = await withProducer(async (smsq) => {
    const s = await smsq.accountStop();
    await smsq.resume();
    return s;
  });
  await out(stop ? `sending resumed (cleared account-level stop: gateway status ${stop.code}, ${stop.reason})\n` : 'sending resumed\n');
  return 0;
}
