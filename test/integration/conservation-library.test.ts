import fc from 'fast-check';
import { SmsqError } from '../../src/shared/errors';
import { useCampaignStack } from '../support/campaigns';
import {
  campaignFields,
  checkConservation,
  CONSERVATION_BATCH_SIZE,
  contentOf,
  expectedOf,
  FC_SEED,
  generatedCases,
  recipientOf,
  toSuppress,
  type EnqueueOutcome,
  type GeneratedCase,
  type ListRow,
} from '../support/conservation';

/**
 * Conservation through the library: whatever the list (bad rows anywhere, repeats, missing template fields) and the
 * options, every valid recipient reaches the simulator's ledger exactly once with its text, every invalid one is
 * named, and the campaign ends with nothing pending. `FC_SEED=n` re-runs with another seed.
 */
const stack = useCampaignStack('conservation-lib', { env: { SMS_BATCH_SIZE: String(CONSERVATION_BATCH_SIZE) } });

let runs = 0;

type Shape = 'array' | 'async iterable';

async function* streamed(rows: ListRow[]) {
  for (const r of rows) yield recipientOf(r);
}

async function runCase(c: GeneratedCase, shape: Shape): Promise<void> {
  const tag = `lib${++runs}`;
  const expected = expectedOf(c.rows, tag, c.options);
  const suppressed = toSuppress(expected, c.options.suppressEvery);
  if (suppressed.length > 0) await stack.producer.suppressions.add(suppressed);
  const fields = campaignFields(c.options);
  let outcome: EnqueueOutcome;
  try {
    const r = await stack.producer.enqueueCampaign({
      content: contentOf(tag, c.options.template),
      skipInvalid: c.options.skipInvalid,
      ...fields,
      recipients: shape === 'array' ? c.rows.map(recipientOf) : streamed(c.rows),
    });
    outcome = {
      kind: 'queued',
      campaignId: r.campaignId,
      total: r.total,
      duplicatesSkipped: r.duplicatesSkipped,
      invalidSkipped: r.invalidSkipped,
      invalidRowNumbers: r.invalidRows.map((p) => p.row),
    };
  } catch (err) {
    if (!(err instanceof SmsqError)) throw err;
    outcome = { kind: 'refused', code: err.code };
  }
  try {
    await checkConservation(stack, c, tag, expected, suppressed, outcome, fields.sendAt);
  } finally {
    if (suppressed.length > 0) await stack.producer.suppressions.remove(suppressed);
  }
}

describe.each<Shape>(['array', 'async iterable'])('a campaign queued as an %s', (shape) => {
  it('sends every valid recipient once with its text, names every invalid one, and leaves nothing pending', async () => {
    await stack.worker();
    await fc.assert(
      fc.asyncProperty(generatedCases(600, { blankLines: false }), (c) => runCase(c, shape)),
      { seed: FC_SEED, numRuns: 6, endOnFailure: true },
    );
  }, 300_000);
});
