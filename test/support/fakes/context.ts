/**
 * A Context for the worker's and producer's units with no Redis behind it: the real configuration (read from a test
 * environment, as a process reads it), a logger whose lines the test can read, a clock the test can set, and the
 * in-memory fakes of this folder for the stores, queues and Redis. Members no unit uses are left out: a unit that
 * starts using one fails its test with a message naming it, rather than reading `undefined`.
 */
import type { Context } from '../../../src/shared/context';
import { loadConfig } from '../../../src/shared/load-config';
import { createLogger } from '../../../src/shared/logger';
import type { Clock } from '../../../src/shared/time/clock';
import { Router } from '../../../src/shared/accounts/routing';
import { FakeAccountStates } from './accounts';
import { FakeBatchStore } from './batch-store';
import { FakeCampaignStore, FakeGate } from './campaign-store';
import { FakeDelivery, FakeSuppressions } from './delivery';
import { fakeQueues, type FakeQueues } from './queues';
import { FakeRedis } from './redis';
import { FakeWebhooks } from './webhooks';
import { attachWorld, FakeWorld } from './world';

/** The system clock, unless a test sets the moment it is at. */
export class TestClock implements Clock {
  at: number | null = null;
  now(): number {
    return this.at ?? Date.now();
  }
}

/** A log line as pino writes it: its level (30 info, 40 warn, 50 error), message and fields. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Fakes {
  ctx: Context;
  world: FakeWorld;
  batches: FakeBatchStore;
  campaigns: FakeCampaignStore;
  gate: FakeGate;
  webhooks: FakeWebhooks;
  delivery: FakeDelivery;
  suppressions: FakeSuppressions;
  queues: FakeQueues;
  redis: FakeRedis;
  clock: TestClock;
  logs: LogLine[];
  accountStates: FakeAccountStates;
}

/** `env` is what a user would set (SMS_RETRY_UNKNOWN, SMS_AUTO_SETTLE, WEBHOOK_URL…), over a local gateway's defaults. */
export function fakeContext(env: Record<string, string> = {}): Fakes {
  const config = loadConfig({ QUEUE_PREFIX: 'unit', SMS_API_BASE_URL: 'http://127.0.0.1:9', ...env }, { requireGateway: true });
  const world = new FakeWorld(config.queuePrefix);
  const logs: LogLine[] = [];
  const log = createLogger('info', 'unit', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const clock = new TestClock();
  const fakes = {
    world,
    batches: new FakeBatchStore(world),
    campaigns: new FakeCampaignStore(world),
    gate: new FakeGate(world),
    webhooks: new FakeWebhooks(world, config.webhooks.url),
    delivery: new FakeDelivery(world),
    suppressions: new FakeSuppressions(world),
    queues: fakeQueues(),
    redis: new FakeRedis(world),
    clock,
    logs,
    accountStates: new FakeAccountStates(config.accounts, { failures: config.breakerFailures, openMs: config.breakerOpenMs }),
  };
  const members = {
    config,
    keys: world.keys,
    log,
    clock,
    batches: fakes.batches,
    campaigns: fakes.campaigns,
    gate: fakes.gate,
    webhooks: fakes.webhooks,
    delivery: fakes.delivery,
    suppressions: fakes.suppressions,
    queues: strict('queues', fakes.queues),
    redis: fakes.redis,
    router: new Router(config.accounts),
    accountStates: fakes.accountStates,
    async close() {},
  } satisfies Partial<Record<keyof Context, unknown>>;
  // The one cast: each member is a fake typed by Pick<> of the real class (see its file), and what is left out throws.
  const ctx = strict('context', members) as unknown as Context;
  attachWorld(ctx, world);
  return { ctx, ...fakes };
}

/** Properties that jest and Node probe on any object they print or await: absent, without an error. */
const PROBED = new Set([
  'then',
  'toJSON',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  'tagName',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
]);

/** `target`, throwing on a member it does not have: the unit needs a fake this folder does not provide yet. */
function strict<T extends object>(what: string, target: T): T {
  return new Proxy(target, {
    get(t, p, receiver) {
      if (typeof p === 'symbol' || p in t || PROBED.has(p)) return Reflect.get(t, p, receiver) as unknown;
      throw new Error(`the fake ${what} has no ${p}: the unit under test uses it, so give it one in test/support/fakes`);
    },
  });
}
