import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import { deletePrefix, keysMatching, testConfig, uniquePrefix } from '../support/env';

const prefix = uniquePrefix('msgid-index');
let ctx: Context;

beforeAll(async () => {
  ctx = await createContext(testConfig(prefix, 'http://127.0.0.1:9/sms'), createLogger('silent'), 'client');
});

afterAll(async () => {
  await ctx.close();
  await deletePrefix(prefix);
});

it('finds each sent msgId of a batch in O(1), in the forms a gateway echoes it back, and puts the batch on the poller list once', async () => {
  const recipients = [
    { number: '447700900111', orderId: 'a' },
    { number: '447700900222', orderId: 'b' },
    { number: '447700900333', orderId: 'c' },
  ];
  const before = Date.now();
  await ctx.delivery.indexSent(
    'c1',
    4,
    recipients,
    new Map([
      [0, ['s', '0021080210595310000A1']],
      [1, ['f', '-9', 'number abnormal']],
      [2, ['s', '2108021059531000097']],
    ]),
  );
  const [a, b, failed, none] = await ctx.delivery.index.lookup([
    '21080210595310000a1',
    ' 2108021059531000097 ',
    'x',
    '2108021059531000098',
  ]);
  expect(a).toMatchObject({ campaignId: 'c1', batch: 4, index: 0, numberTail: '0111' });
  expect(b).toMatchObject({ campaignId: 'c1', batch: 4, index: 2, numberTail: '0333' });
  expect(b!.sentAt).toBeGreaterThanOrEqual(before);
  expect(failed).toBeNull();
  expect(none).toBeNull();
  expect(await ctx.redis.zrange(ctx.keys.awaitingReports(), 0, -1)).toEqual([`${b!.sentAt}\tc1\t4`]);
});

it('spends at most about 80 bytes of Redis per msgId (less while its hashes are small enough for listpacks)', async () => {
  const recipients = Array.from({ length: 1000 }, (_, i) => ({ number: String(447_700_000_000 + i), orderId: `o${i}` }));
  for (let k = 0; k < 20; k++) {
    await ctx.delivery.indexSent(
      'size',
      k,
      recipients,
      new Map(recipients.map((_, i) => [i, ['s', `21080211${String(k).padStart(2, '0')}${String(i).padStart(9, '0')}`]])),
    );
  }
  // MEMORY USAGE of the index's own keys: exact, whatever else the shared Redis holds.
  let bytes = 0;
  for (const key of await keysMatching(ctx.redis, `${prefix}:msgidx:*`))
    bytes += Number(await ctx.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const perMsgId = bytes / 20_002;
  // A loose bound: the exact figure is the benchmark's (docs/performance.md); this catches a format that doubles it.
  expect(perMsgId).toBeGreaterThan(10);
  expect(perMsgId).toBeLessThan(120);
});
