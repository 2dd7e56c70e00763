import { parse } from '../args';
import { withProducer } from '../open-producer';
import { out } from '../output';

/**
 * `smsq settle ID [--resend] [--json]` (also under its old name, `smsq reconcile`): settles the campaign's
 * `unknown` recipients from the gateway's sent records; with --resend, queues the `not-sent` ones again. Exit 0;
 * 1 when some remain unknown (too recent, or a gateway account's records could not be read).
 */
export async function settleCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { resend: { type: 'boolean' }, json: { type: 'boolean' } },
    { min: 1, max: 1, names: 'a campaign id' },
  );
  const r = await withProducer((smsq) => smsq.settleCampaign(positionals[0], { resend: values.resend ?? false }));
  if (values.json) await out(`${JSON.stringify(r)}\n`);
  else {
    await out(
      `campaign ${r.campaignId}: ${r.unknown} unknown → ${r.sent} sent, ${r.notSent} not-sent, ${r.tooRecent} still unknown (too recent)` +
        `${values.resend ? `; ${r.resent} queued again` : ''}\n` +
        `  gateway records read: ${r.recordsRead}${r.windows.map((w) => `  [${w.start} .. ${w.end}]`).join('')}\n` +
        Object.entries(r.accounts ?? {})
          .map(
            ([name, a]) =>
              `  account ${name}: ${a.unknown} unknown → ${a.sent} sent, ${a.notSent} not-sent${a.error ? `; left unknown: ${a.error}` : ''}\n`,
          )
          .join(''),
    );
  }
  const unread = Object.values(r.accounts ?? {}).some((a) => a.error !== undefined);
  return r.tooRecent > 0 || unread ? 1 : 0;
}

/** `smsq balance [--json]`: the gateway balance, and how many messages it pays for at the last known price. */
export async function balanceCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, { min: 0, max: 0, names: 'no arguments' });
  const b = await withProducer((smsq) => smsq.balance());
  if (values.json) await out(`${JSON.stringify(b)}\n`);
  else {
    const price = b.lastPrice
      ? `${b.lastPrice.pay} ${b.lastPrice.currency} per message (reported ${b.lastPrice.at}): about ${b.messages} messages`
      : 'no price known yet (it comes with delivery reports)';
    await out(`balance ${b.balance}  gift ${b.gift}  credit ${b.credit}  available ${b.available}\n  ${price}\n`);
  }
  return 0;
}
