import fc from 'fast-check';
import type { EnqueueResult } from '../../src/producer';
import { useCampaignStack } from '../support/campaigns';
import {
  campaignFields,
  checkConservation,
  CONSERVATION_BATCH_SIZE,
  contentOf,
  expectedOf,
  FC_SEED,
  generatedCases,
  prefixKeys,
  recipientOf,
  toCsv,
  toNdjson,
  toSuppress,
  type EnqueueOutcome,
  type GeneratedCase,
} from '../support/conservation';
import { BEARER, errorCode } from '../support/server';

/**
 * Conservation through `POST /v1/campaigns` (the server's app through inject()): a JSON body, and CSV and NDJSON
 * uploads with the campaign's fields in the query string, against a worker, the simulator and real Redis. The API
 * has no dedupe switch: numbers listed twice are always sent once. `FC_SEED=n` re-runs with another seed.
 */
const stack = useCampaignStack('conservation-api', { app: 'inject', env: { SMS_BATCH_SIZE: String(CONSERVATION_BATCH_SIZE) } });

let runs = 0;

type Body = 'JSON' | 'CSV' | 'NDJSON';

async function post(body: Body, c: GeneratedCase, content: string, fields: ReturnType<typeof campaignFields>) {
  const { dedupe: _always, ...timing } = fields;
  const campaign = { content, ...(c.options.skipInvalid ? { skipInvalid: true } : {}), ...timing };
  if (body === 'JSON') {
    return stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { ...BEARER, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...campaign, recipients: c.rows.filter((r) => r.number !== undefined).map(recipientOf) }),
    });
  }
  const query = new URLSearchParams(Object.entries(campaign).map(([k, v]): [string, string] => [k, String(v)]));
  return stack.server.app.inject({
    method: 'POST',
    url: `/v1/campaigns?${query}`,
    headers: { ...BEARER, 'content-type': body === 'CSV' ? 'text/csv' : 'application/x-ndjson' },
    payload: body === 'CSV' ? toCsv(c.rows) : toNdjson(c.rows),
  });
}

async function runCase(c: GeneratedCase, body: Body): Promise<void> {
  const tag = `api${++runs}`;
  // A JSON body has no lines: blank rows are left out of it and positions count recipients.
  const rows = body === 'JSON' ? c.rows.filter((r) => r.number !== undefined) : c.rows;
  const expected = expectedOf(rows, tag, c.options, body === 'CSV' ? 2 : 1);
  const suppressed = toSuppress(expected, c.options.suppressEvery);
  if (suppressed.length > 0) await stack.producer.suppressions.add(suppressed);
  const fields = campaignFields(c.options);
  try {
    const res = await post(body, c, contentOf(tag, c.options.template), fields);
    let outcome: EnqueueOutcome;
    if (res.statusCode === 201) {
      const r = res.json<EnqueueResult>();
      outcome = {
        kind: 'queued',
        campaignId: r.campaignId,
        total: r.total,
        duplicatesSkipped: r.duplicatesSkipped,
        invalidSkipped: r.invalidSkipped,
        invalidRowNumbers: r.invalidRows.map((p) => p.row),
      };
    } else {
      expect(res.statusCode).toBe(422);
      outcome = { kind: 'refused', code: errorCode(res) };
    }
    await checkConservation(stack, c, tag, expected, suppressed, outcome, fields.sendAt);
  } finally {
    if (suppressed.length > 0) await stack.producer.suppressions.remove(suppressed);
  }
}

describe.each<Body>(['JSON', 'CSV', 'NDJSON'])('POST /v1/campaigns with a %s body', (body) => {
  it('sends every valid recipient once with its text, names every invalid row, and leaves nothing pending', async () => {
    await stack.worker();
    await fc.assert(
      fc.asyncProperty(generatedCases(1_500, { dedupeOff: false }), (c) => runCase(c, body)),
      { seed: FC_SEED, numRuns: 5, endOnFailure: true },
    );
  }, 300_000);

  it('answers an empty list 422 CAMPAIGN_EMPTY and creates no campaign', async () => {
    const before = await prefixKeys(stack.prefix);
    const res = await post(
      body,
      { rows: [], options: { skipInvalid: true, dedupe: true, template: false, window: false, suppressEvery: 0 } },
      'nobody',
      { dedupe: true },
    );
    expect(res.statusCode).toBe(422);
    expect(errorCode(res)).toBe('CAMPAIGN_EMPTY');
    expect(res.body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // names no generated campaign id
    expect(await prefixKeys(stack.prefix)).toEqual(before);
  });
});
