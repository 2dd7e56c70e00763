import type { RecipientTrace, TraceStep } from '../../producer/operator/trace-steps';
import { parse } from '../args';
import { withProducer } from '../open-producer';
import { out } from '../output';

/** `smsq trace ID NUMBER [--json]`: every step kept about one recipient, in time order. */
export default async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 2, max: 2, names: 'a campaign id and a number' });
  return withProducer(async (smsq) => {
    const trace = await smsq.traceRecipient(positionals[0], positionals[1]);
    await out(values.json ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace));
    return 0;
  });
}

/** The trace for people: a heading, then one line per step (its time, what it is, what it says). */
export function formatTrace(t: RecipientTrace): string {
  const lines = [`${t.number} (orderId ${t.orderId}) in campaign ${t.campaignId}: ${t.status}`];
  for (const s of t.steps) lines.push(`  ${('at' in s && s.at ? s.at : '').padEnd(24)}  ${label(s).padEnd(10)}  ${describe(s)}`);
  for (const n of t.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

function label(s: TraceStep): string {
  return s.kind === 'call' ? `call ${s.attempt}` : s.kind;
}

function describe(s: TraceStep): string {
  switch (s.kind) {
    case 'staged':
      return `batch ${s.batch}, index ${s.index}, orderId ${s.orderId}`;
    case 'canary': {
      const where = s.part === 'canary' ? 'in the canary, sent first' : 'in the rest, held until the canary was judged';
      const text = s.variant ? `; variant ${s.variant}` : '';
      const won = s.winner ? ` (winner ${s.winner} by ${s.winnerBy})` : '';
      return `${where}; canary ${s.state}${text}${won}`;
    }
    case 'window-hold':
      return `held outside its send window until ${s.until}`;
    case 'call': {
      const answer = s.verdict === 'accepted' ? `accepted (${s.reason})` : `${s.code} ${s.reason} (${s.verdict})`;
      return `account ${s.account}, ${s.recipients} recipient${s.recipients === 1 ? '' : 's'}: ${answer} → ${s.next}${s.msgId ? `, msgId ${s.msgId}` : ''}`;
    }
    case 'kept-out':
      return `settled at a call's start: ${s.status}${s.reason ? ` (${s.reason})` : ''}`;
    case 'outcome':
      return [s.status, s.msgId && `msgId ${s.msgId}`, s.code && `code ${s.code}`, s.reason, s.account && `account ${s.account}`]
        .filter(Boolean)
        .join(', ');
    case 'delivery':
      return [s.state, s.code && `code ${s.code}`, s.reason, s.price !== undefined && `price ${s.price} ${s.currency ?? ''}`.trim()]
        .filter(Boolean)
        .join(', ');
    case 'webhook':
      return `${s.event} ${s.id}: ${s.delivery}`;
    case 'reply':
      return `${JSON.stringify(s.text)}${s.keyword ? ` (${s.keyword})` : ''}`;
    case 'clicks':
      return `${s.clicks} click${s.clicks === 1 ? '' : 's'}, the first at ${s.at}`;
  }
}
