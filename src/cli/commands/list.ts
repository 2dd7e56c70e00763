import { campaignJson } from '../../shared/campaign/json';
import { PRIORITIES } from '../../shared/campaign/lanes';
import { parseSince } from '../../shared/replies/replies-csv';
import { SHOWN_STATES } from '../../shared/types';
import { parse, positiveNumber, UsageError } from '../args';
import { formatListLine, LIST_HEADER } from '../format';
import { withProducer } from '../open-producer';
import { out } from '../output';

/** `smsq list [--state S] [--priority P] [--since TIME] [--limit N] [--json]`: every page, streamed to stdout. */
export default async function listCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      state: { type: 'string' },
      priority: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    { min: 0, max: 0, names: 'no positional arguments' },
  );
  const state = oneOf('state', values.state, SHOWN_STATES);
  const priority = oneOf('priority', values.priority, PRIORITIES);
  const since = values.since === undefined ? undefined : parseSince(values.since);
  if (since === null)
    throw new UsageError(`--since must be a date or time in ISO 8601 (2026-01-31, 2026-01-31T08:00:00Z), not "${values.since}"`);
  let left = positiveNumber('limit', values.limit, Infinity);
  return withProducer(async (smsq) => {
    if (!values.json) await out(`${LIST_HEADER}\n`);
    let cursor: string | undefined;
    do {
      const page = await smsq.listCampaigns({ state, priority, since, cursor, limit: Math.min(left, 500) });
      const shown = page.campaigns.slice(0, left);
      await out(shown.map((c) => `${values.json ? JSON.stringify(campaignJson(c)) : formatListLine(c)}\n`).join(''));
      left -= shown.length;
      cursor = page.next;
    } while (cursor && left > 0);
    return 0;
  });
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${raw}"`);
  return raw as T;
}
