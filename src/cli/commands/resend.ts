import { UsageError, parse } from '../args';
import { withProducer } from '../open-producer';
import { out } from '../output';

const OPTIONS = {
  status: { type: 'string' },
  content: { type: 'string' },
  'campaign-id': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * `smsq resend ID [--status failed,expired,undelivered,not-sent] [--content TEXT] [--campaign-id NEW] [--json]`:
 * as smsq enqueue, the new campaign's id is the last line of stdout and the summary goes to stderr; --json prints
 * the result instead. Nothing to resend is NOTHING_TO_RESEND (exit 1), with no campaign created.
 */
export default async function resendCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, { min: 1, max: 1, names: 'the id of the campaign to resend' });
  const status = values.status === undefined ? undefined : values.status.split(',').map((s) => s.trim());
  if (status?.some((s) => s === '')) throw new UsageError('--status takes statuses separated by commas: --status failed,expired');
  const r = await withProducer((smsq) =>
    smsq.resendCampaign(positionals[0], { status, content: values.content, campaignId: values['campaign-id'] }),
  );
  if (values.json) {
    await out(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const left = r.leftOut.suppressed + r.leftOut.capped;
  process.stderr.write(
    `${r.created ? 'queued' : 'already queued (the same resend): nothing new queued'}: ${r.total} of the ${r.matched} recipients of ${r.parentId} asked for` +
      `${left > 0 ? `; left out ${r.leftOut.suppressed} on the suppression list and ${r.leftOut.capped} at the frequency cap` : ''}\n`,
  );
  await out(`${r.campaignId}\n`);
  return 0;
}
