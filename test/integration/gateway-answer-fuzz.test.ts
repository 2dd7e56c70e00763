import fc from 'fast-check';
import { metricsRegistry } from '../../src/shared/metrics';
import { startAnswerProxy, type AnswerProxy, type ProxiedCall } from '../support/answer-proxy';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { FC_SEED } from '../support/conservation';

/**
 * The gateway-answer fuzzer: the simulator accepts each call as usual (its ledger is the truth), and a proxy
 * rewrites the answer of each campaign's first call into one that disagrees with the request or with itself —
 * fewer or more entries, swapped numbers or orderIds, repeated msgIds, missing fields, wrong types, counts that do
 * not add up, a refusal listing accepted numbers, garbage. Whatever the answer, with automatic settling on:
 * no number is sent twice, nobody the gateway accepted is `failed`, every recipient ends with an outcome, and
 * every `unknown` settles to the ledger's truth (`sent` with the msgId the gateway gave, or `not-sent` and then
 * sent once). `FC_SEED=n` explores other answers; fast-check prints the seed of a failing run.
 */
const stack = useCampaignStack('gateway-answer-fuzz', {
  env: { SMS_AUTO_SETTLE: 'true', SMS_SETTLE_AFTER_MS: '0', SMS_BATCH_SIZE: '8', DLR_POLL_INTERVAL_MS: '0' },
});
let proxy: AnswerProxy;
/** Each campaign's mutations, by its tag, until its first call has been rewritten. */
const plans = new Map<string, Mutation[]>();

beforeAll(async () => {
  proxy = await startAnswerProxy(stack.sim.baseUrl);
  proxy.rewrite(
    (c) => isSend(c) && plans.has(tagOf(c)),
    (answer, c) => {
      const tag = tagOf(c);
      const plan = plans.get(tag) ?? [];
      plans.delete(tag);
      return rewrite(answer, plan);
    },
  );
});
afterAll(() => proxy.close());

const isSend = (c: ProxiedCall) => /\/sendSms(\/batch)?$/.test(c.path);
const tagOf = (c: ProxiedCall) => /fuzz-\d+/.exec(c.body)?.[0] ?? '';

type Entry = Record<string, unknown>;
type Answer = Record<string, unknown> & { array?: Entry[] };

/** One change to an answer; `at`, `a` and `b` pick entries modulo their number. */
type Mutation =
  | { op: 'drop'; at: number }
  | { op: 'missing'; at: number; field: 'msgId' | 'ids' }
  | { op: 'wrong-type'; at: number; field: 'msgId' | 'number' | 'orderId'; value: unknown }
  | { op: 'drop-orderid'; at: number }
  | { op: 'swap'; field: 'number' | 'orderId'; a: number; b: number }
  | { op: 'duplicate'; at: number }
  | { op: 'extra'; bumpSuccess: boolean }
  | { op: 'same-msgid' }
  | { op: 'count'; field: 'success' | 'fail'; change: 'missing' | 'text' | number }
  | { op: 'status'; status: '-18' | '-9' }
  | { op: 'array-not-list' }
  | { op: 'garbage'; body: 'html' | 'empty' | 'list' | 'status-object' | 'truncated' | 'no-array' };

/**
 * Applied in this order, whatever order they were generated in: the order keeps every generated answer one that
 * a careful reader could tell is wrong. (Swapping the numbers of entries that lost their orderIds, or giving one
 * msgId to the only entry left, would be a consistent lie that no client can see through.)
 */
const ORDER: Array<Mutation['op']> = [
  'drop',
  'missing',
  'wrong-type',
  'drop-orderid',
  'swap',
  'duplicate',
  'extra',
  'same-msgid',
  'count',
  'status',
  'array-not-list',
  'garbage',
];

const at = fc.nat(50);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at }),
  fc.record({ op: fc.constant('missing' as const), at, field: fc.constantFrom('msgId' as const, 'ids' as const) }),
  fc.oneof(
    fc.record({
      op: fc.constant('wrong-type' as const),
      at,
      field: fc.constant('msgId' as const),
      value: fc.constantFrom<unknown>({}, [], true, 1e20, null),
    }),
    fc.record({
      op: fc.constant('wrong-type' as const),
      at,
      field: fc.constantFrom('number' as const, 'orderId' as const),
      value: fc.constantFrom<unknown>({}, [], false, 12345),
    }),
  ),
  fc.record({ op: fc.constant('drop-orderid' as const), at }),
  fc.record({ op: fc.constant('swap' as const), field: fc.constantFrom('number' as const, 'orderId' as const), a: at, b: at }),
  fc.record({ op: fc.constant('duplicate' as const), at }),
  fc.record({ op: fc.constant('extra' as const), bumpSuccess: fc.boolean() }),
  fc.record({ op: fc.constant('same-msgid' as const) }),
  fc.record({
    op: fc.constant('count' as const),
    field: fc.constantFrom('success' as const, 'fail' as const),
    change: fc.oneof(fc.constantFrom('missing' as const, 'text' as const), fc.integer({ min: 1, max: 3 })),
  }),
  fc.record({ op: fc.constant('status' as const), status: fc.constantFrom('-18' as const, '-9' as const) }),
  fc.record({ op: fc.constant('array-not-list' as const) }),
  fc.record({
    op: fc.constant('garbage' as const),
    body: fc.constantFrom(
      'html' as const,
      'empty' as const,
      'list' as const,
      'status-object' as const,
      'truncated' as const,
      'no-array' as const,
    ),
  }),
);

interface Case {
  size: number;
  /** Recipients the simulator refuses (left out of its answer, never in its ledger), by position. */
  refused: boolean[];
  mutations: Mutation[];
}

const cases = (minSize: number): fc.Arbitrary<Case> =>
  fc.integer({ min: minSize, max: 8 }).chain((size) =>
    fc.record({
      size: fc.constant(size),
      refused: fc.array(fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }), {
        minLength: size,
        maxLength: size,
      }),
      mutations: fc.array(mutation, { minLength: 0, maxLength: 4 }),
    }),
  );

function rewrite(body: string, plan: Mutation[]): string {
  const answer = JSON.parse(body) as Answer;
  const entries = [...(answer.array ?? [])].sort((x, y) => String(x.orderId).localeCompare(String(y.orderId)));
  // Entries whose number/orderId pair a swap or a lost orderId changed: neither touches one the other did.
  const touched = new Set<Entry>();
  const pick = (i: number) => (entries.length > 0 ? entries[i % entries.length] : undefined);
  let garbage: string | undefined;
  let arrayNotList = false;
  for (const m of [...plan].sort((x, y) => ORDER.indexOf(x.op) - ORDER.indexOf(y.op))) {
    const e = 'at' in m ? pick(m.at) : undefined;
    switch (m.op) {
      case 'drop':
        if (e) entries.splice(entries.indexOf(e), 1);
        break;
      case 'missing':
        if (e && m.field === 'msgId') delete e.msgId;
        if (e && m.field === 'ids') {
          delete e.number;
          delete e.orderId;
        }
        break;
      case 'wrong-type':
        if (e) e[m.field] = m.value;
        break;
      case 'drop-orderid':
        if (e && !touched.has(e)) {
          delete e.orderId;
          touched.add(e);
        }
        break;
      case 'swap': {
        const [x, y] = [pick(m.a), pick(m.b)];
        if (!x || !y || x === y || touched.has(x) || touched.has(y)) break;
        [x[m.field], y[m.field]] = [y[m.field], x[m.field]];
        touched.add(x).add(y);
        break;
      }
      case 'duplicate':
        if (e) entries.push({ ...e });
        break;
      case 'extra':
        entries.push({ msgId: `9${Date.now()}${entries.length}`, number: '449999999999', orderId: 'not-asked' });
        if (m.bumpSuccess) answer.success = String(Number(answer.success) + 1);
        break;
      case 'same-msgid':
        for (const x of entries) x.msgId = entries[0].msgId;
        break;
      case 'count':
        if (m.change === 'missing') delete answer[m.field];
        else if (m.change === 'text') answer[m.field] = 'many';
        else answer[m.field] = String(Number(answer[m.field]) + m.change);
        break;
      case 'status':
        answer.status = m.status;
        break;
      case 'array-not-list':
        arrayNotList = true;
        break;
      case 'garbage':
        garbage = m.body;
        break;
    }
  }
  const out = { ...answer, array: arrayNotList ? { ...entries } : entries };
  switch (garbage) {
    case undefined:
      return JSON.stringify(out);
    case 'html':
      return '<html><body><h1>502 Bad Gateway</h1></body></html>';
    case 'empty':
      return '';
    case 'list':
      return JSON.stringify([out]);
    case 'status-object':
      return JSON.stringify({ ...out, status: { code: 0 } });
    case 'truncated':
      return JSON.stringify(out).slice(0, 20);
    case 'no-array':
      return JSON.stringify({ ...out, array: undefined });
    default:
      throw new Error(`unknown garbage ${garbage}`);
  }
}

let runs = 0;
let nextNumber = 447_600_000_000;

async function runCase(c: Case, personalised: boolean): Promise<void> {
  const tag = `fuzz-${++runs}`;
  const numbers = Array.from({ length: c.size }, () => String(nextNumber++));
  const refused = numbers.filter((_, i) => c.refused[i]);
  stack.sim.setFaults({ refuseNumbers: refused });
  plans.set(tag, c.mutations);
  const recipients = numbers.map((number, i) => ({ number, orderId: `o-${number}`, fields: { name: `N${i}` } }));
  const { campaignId } = await stack.producer.enqueueCampaign({ content: personalised ? `${tag} Hi {{name}}` : `${tag} Hi`, recipients });
  const end = await campaignEnded(stack.producer, campaignId);
  expect(plans.has(tag)).toBe(false);
  expect(end.counts).toMatchObject({ total: c.size, pending: 0, unknown: 0 });
  for (const r of await resultsOf(stack.producer, campaignId)) {
    const inLedger = stack.sim.ledger.byOrderId(r.orderId);
    // Never a duplicate, never `failed` (or anything but sent) for a recipient the gateway accepted, with its msgId.
    expect(inLedger.length).toBeLessThanOrEqual(1);
    if (inLedger.length === 1) expect({ status: r.status, msgId: r.msgId }).toEqual({ status: 'sent', msgId: inLedger[0].msgId });
    else expect(r.status).toBe('failed');
  }
  // Never a second call for a recipient whose first reached the gateway; the first went to the endpoint under test.
  const sends = proxy.calls.filter((call) => isSend(call) && tagOf(call) === tag);
  expect(sends[0].path).toMatch(personalised ? /\/sendSms\/batch$/ : /\/sendSms$/);
  for (const n of numbers) if (stack.sim.ledger.countFor(n) === 1) expect(sends.filter((call) => call.body.includes(n))).toHaveLength(1);
}

async function disagreements(): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find((x) => x.name === 'smsq_gateway_answer_disagreements_total');
  return (m?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

describe.each([
  ['sendSms', false, 1],
  ['sendSms/batch', true, 2],
])('answers to %s that disagree with the call', (_, personalised, minSize) => {
  it('never send twice, never fail an accepted recipient, and settle every unknown to the ledger', async () => {
    await stack.worker({ gateway: { ...stack.config.gateway, baseUrl: proxy.baseUrl } });
    const before = await disagreements();
    await fc.assert(
      fc.asyncProperty(cases(minSize), (c) => runCase(c, personalised)),
      { seed: FC_SEED, numRuns: 150, endOnFailure: true },
    );
    expect(await disagreements()).toBeGreaterThan(before);
  }, 240_000);
});
