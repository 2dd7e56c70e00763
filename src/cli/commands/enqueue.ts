import type { BalanceCheckMode } from '../../producer/operator/balance';
import type { RowProblem } from '../../producer/validate';
import { SmsqError } from '../../shared/errors';
import { parse, UsageError } from '../args';
import { CAMPAIGN_OPTIONS, campaignFromArgs, listProblems } from '../campaign-input';
import { withProducer } from '../open-producer';
import { say } from '../output';

const OPTIONS = {
  ...CAMPAIGN_OPTIONS,
  'check-balance': { type: 'boolean' },
  'require-balance': { type: 'boolean' },
  'no-balance-check': { type: 'boolean' },
  'recover-since': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * `smsq enqueue FILE|- --content TEXT ...`: prints the campaign id alone on stdout (with --json, the enqueue's result
 * as the API answers it, campaignId included); bad rows go to stderr.
 * Exit 1 with nothing queued when any row is invalid, unless --skip-invalid.
 */
export default async function enqueueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, { min: 1, max: 1, names: 'a recipients file, or - for stdin' });
  const campaign = await campaignFromArgs(positionals[0], values);
  try {
    const onSending = (id: string, total: number) => {
      // With --skip-invalid, "all valid" would be untrue of a file with bad rows: they are listed once it is staged.
      const valid = campaign.skipInvalid
        ? `${total} recipients are valid (any invalid rows are skipped, listed below)`
        : `all ${total} recipients are valid`;
      process.stderr.write(
        `smsq enqueue: ${valid}; campaign ${id} is queued and sends while the file is staged (if this command stops before it ends, run it again with --campaign-id ${id} to stage the rest)\n`,
      );
    };
    const result = await withProducer((smsq) =>
      smsq.enqueueCampaign({ ...campaign, balanceCheck: balanceMode(values), onSending, recoverSince: values['recover-since'] }),
    );
    for (const w of result.warnings ?? []) say(`smsq enqueue: warning: ${w}\n`);
    listProblems(result.invalidRows, result.invalidSkipped, 'skipped');
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${result.campaignId}\n`);
    const t = result.texts;
    process.stderr.write(
      `${result.created ? 'queued' : result.resumed ? 'staging resumed (same campaign id, same content): its missing batches were written' : 'already queued (same campaign id, same content): nothing new queued'}: ` +
        `${result.total} recipients in ${result.batches} batches, ${result.duplicatesSkipped} duplicates skipped, ${result.invalidSkipped} invalid skipped; ` +
        `${t.segments} segments (GSM-7 ${t.encodings['GSM-7']}, UCS-2 ${t.encodings['UCS-2']})` +
        `${result.suppressed > 0 ? `; ${result.suppressed} on the suppression list (they will not be sent)` : ''}` +
        `${result.recovered !== undefined ? `; ${result.recovered} found in the gateway's records since --recover-since: recorded sent, not sent again` : ''}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof SmsqError && err.code === 'VALIDATION_FAILED' && err.details?.rows) {
      const invalidCount = Number(err.details.invalidCount);
      listProblems(err.details.rows as RowProblem[], invalidCount, 'invalid');
      process.stderr.write(
        `smsq enqueue: ${invalidCount} invalid row(s); nothing was queued (use --skip-invalid to queue the valid rows) [VALIDATION_FAILED]\n`,
      );
      return 1;
    }
    throw err;
  }
}

/**
 * By default the balance is checked whenever the gateway credentials are at hand, warning only when it is short;
 * --check-balance also says when it could not be checked; --require-balance refuses.
 */
function balanceMode(values: {
  'check-balance'?: boolean;
  'require-balance'?: boolean;
  'no-balance-check'?: boolean;
}): BalanceCheckMode | undefined {
  const chosen = [values['check-balance'], values['require-balance'], values['no-balance-check']].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('give at most one of --check-balance, --require-balance and --no-balance-check');
  if (values['no-balance-check']) return undefined;
  if (values['require-balance']) return 'require';
  if (values['check-balance']) return 'warn';
  return 'auto';
}
