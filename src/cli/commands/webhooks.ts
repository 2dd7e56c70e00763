import { parse, UsageError } from '../args';
import { withProducer } from '../open-producer';
import { out, say } from '../output';

/**
 * `smsq webhooks failed [--json] [--limit N]`: events whose delivery failed for good, one per line.
 * `smsq webhooks retry ID… | --all`: re-sends them (same webhook-id, same body).
 */
export default async function webhooksCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'failed') return failed(rest);
  if (sub === 'retry') return retry(rest);
  throw new UsageError('expected "webhooks failed [--json] [--limit N]" or "webhooks retry ID...|--all"');
}

async function failed(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' }, limit: { type: 'string' } }, { min: 0, max: 0, names: 'no arguments' });
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number above 0, not "${values.limit}"`);
  const list = await withProducer((smsq) => smsq.failedWebhooks(limit));
  if (values.json) {
    await out(`${JSON.stringify(list)}\n`);
    return 0;
  }
  for (const f of list) {
    await out(
      `${f.id}\t${f.type}\t${f.campaignId}\t${new Date(f.failedAt).toISOString()}\t${f.attempts} attempts\t${f.url}\t${f.reason}\n`,
    );
  }
  if (list.length === 0) say('no failed webhook events\n');
  return 0;
}

async function retry(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { all: { type: 'boolean' } }, { min: 0, max: 10_000, names: 'webhook ids, or --all' });
  if (Boolean(values.all) === positionals.length > 0) throw new UsageError('give the webhook ids to re-send, or --all (not both)');
  const { retried } = await withProducer((smsq) => smsq.retryWebhooks(values.all ? 'all' : positionals));
  await out(`re-sent ${retried.length} webhook event(s)\n`);
  return 0;
}
