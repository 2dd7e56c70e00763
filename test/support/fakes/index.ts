/**
 * In-memory fakes for unit tests without Redis (`npm run test:unit`): a fake context (context.ts) over a world of
 * campaign and batch records (world.ts), stores that do what their Lua scripts do (batch-store.ts,
 * campaign-store.ts, delivery.ts, webhooks.ts), queues and jobs as BullMQ treats them (queues.ts, job.ts), a
 * scripted gateway with a ledger (gateway.ts), and stand-ins for the modules that run Lua themselves (lua-backed.ts,
 * put in place with jest.mock). Each is typed by Pick<> of the real class, so a changed signature fails the
 * type-check here. What a fake cannot show — the scripts' atomicity, BullMQ's own moves — the integration tests do.
 */
export { FakeBatchStore } from './batch-store';
export { FakeCampaignStore, FakeGate } from './campaign-store';
export { fakeContext, TestClock, type Fakes, type LogLine } from './context';
export { FakeDelivery, FakeSuppressions } from './delivery';
export {
  accept,
  crash,
  cutOff,
  FakeGateway,
  FakeQueries,
  notSent,
  refuseNumbers,
  status,
  WorkerCrash,
  type Answer,
  type GatewayCall,
} from './gateway';
export { FakeJob, runJob, runToEnd, type JobMove, type RunEnd } from './job';
export { FakeQueue, type FakeQueues } from './queues';
export { FakePipeline, FakeRedis } from './redis';
export { FakeWebhooks, type FakeEvent } from './webhooks';
export { campaignRecord, FakeWorld, recipients, type FakeBatch } from './world';
