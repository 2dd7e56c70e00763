import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import {
  campaignFields,
  checkConservation,
  CONSERVATION_BATCH_SIZE,
  contentOf,
  expectedOf,
  FC_SEED,
  generatedCases,
  prefixKeys,
  toCsv,
  toNdjson,
  toSuppress,
  type EnqueueOutcome,
  type GeneratedCase,
} from '../support/conservation';
import { testEnv } from '../support/env';

/**
 * Conservation through `smsq enqueue` run as a process, as a user runs it: a file (read twice: validated, then
 * staged while it sends) and stdin (read once), in CSV and NDJSON, against a worker, the simulator and real Redis.
 * `FC_SEED=n` re-runs with another seed.
 */
const stack = useCampaignStack('conservation-cli', { env: { SMS_BATCH_SIZE: String(CONSERVATION_BATCH_SIZE) } });
const env = () => testEnv(stack.prefix, stack.sim.baseUrl, { SMS_BATCH_SIZE: String(CONSERVATION_BATCH_SIZE) });

let runs = 0;

type Input = 'file' | 'stdin';
type Format = 'csv' | 'ndjson';

/** Reads what `smsq enqueue` said: the campaign id and counts on success, the error code on exit 1. */
function outcomeOf(r: { code: number | null; stdout: string; stderr: string }): EnqueueOutcome {
  const invalidRowNumbers = [...r.stderr.matchAll(/^line (\d+)(?:, [^:]+)?: /gm)].map((m) => Number(m[1]));
  if (r.code !== 0) {
    const code = /\[([A-Z_]+)\]\s*$/.exec(r.stderr)?.[1];
    if (r.code !== 1 || !code) throw new Error(`smsq enqueue exited ${r.code}:\n${r.stderr}`);
    return { kind: 'refused', code };
  }
  const counts = /: (\d+) recipients in \d+ batches, (\d+) duplicates skipped, (\d+) invalid skipped/.exec(r.stderr);
  if (!counts) throw new Error(`no counts in smsq enqueue's output:\n${r.stderr}`);
  return {
    kind: 'queued',
    campaignId: r.stdout.trim(),
    total: Number(counts[1]),
    duplicatesSkipped: Number(counts[2]),
    invalidSkipped: Number(counts[3]),
    invalidRowNumbers,
  };
}

async function runCase(c: GeneratedCase, input: Input, format: Format): Promise<void> {
  const tag = `cli${++runs}`;
  const expected = expectedOf(c.rows, tag, c.options, format === 'csv' ? 2 : 1);
  const suppressed = toSuppress(expected, c.options.suppressEvery);
  if (suppressed.length > 0) await stack.producer.suppressions.add(suppressed);
  const fields = campaignFields(c.options);
  const text = format === 'csv' ? toCsv(c.rows) : toNdjson(c.rows);
  const file = path.join(dir, `${tag}.${format}`);
  const args = [
    'enqueue',
    input === 'file' ? file : '-',
    '--format',
    format,
    '--content',
    contentOf(tag, c.options.template),
    ...(c.options.skipInvalid ? ['--skip-invalid'] : []),
    ...(fields.dedupe ? [] : ['--keep-duplicates']),
    ...(fields.sendAt ? ['--send-at', fields.sendAt] : []),
    ...(fields.window ? ['--window', fields.window, '--timezone', fields.timezone ?? ''] : []),
  ];
  try {
    if (input === 'file') await writeFile(file, text);
    const r = await runSmsq(args, { ...env() }, input === 'stdin' ? text : undefined);
    // A file with bad rows is never announced as all valid.
    if (expected.invalidRows.length > 0) expect(r.stderr).not.toMatch(/all \d+ recipients are valid/);
    await checkConservation(stack, c, tag, expected, suppressed, outcomeOf(r), fields.sendAt);
  } finally {
    if (suppressed.length > 0) await stack.producer.suppressions.remove(suppressed);
  }
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'smsq-conservation-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each<[string, Input]>([
  ['FILE', 'file'],
  ['- (stdin)', 'stdin'],
])('smsq enqueue %s', (_name, input) => {
  it('sends every valid recipient once with its text, names every invalid line, and leaves nothing pending', async () => {
    await stack.worker();
    await fc.assert(
      fc.asyncProperty(generatedCases(1_500), fc.constantFrom<Format>('csv', 'ndjson'), (c, format) => runCase(c, input, format)),
      { seed: FC_SEED, numRuns: 5, endOnFailure: true },
    );
  }, 300_000);
});

describe('an empty list', () => {
  it.each([
    ['an empty file', ''],
    ['a header alone', 'number,orderId\n'],
    ['blank lines', '\n\n'],
  ])('is CAMPAIGN_EMPTY from %s, from a file and from stdin, naming no campaign and creating none', async (_what, text) => {
    const before = await prefixKeys(stack.prefix);
    await writeFile(path.join(dir, 'empty.csv'), text);
    for (const source of [path.join(dir, 'empty.csv'), '-']) {
      const r = await runSmsq(['enqueue', source, '--format', 'csv', '--content', 'nobody'], env(), text);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'No valid recipient (the list has no recipient); nothing was queued and no campaign was created. [CAMPAIGN_EMPTY]',
      );
      expect(r.stderr).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // no generated campaign id
      expect(r.stdout).toBe('');
    }
    expect(await prefixKeys(stack.prefix)).toEqual(before);
  });
});
