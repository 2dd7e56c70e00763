import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import IORedis from 'ioredis';
import { loadScript, SCRIPTS_DIR } from '../../src/shared/redis/lua';
import type { RecipientResult } from '../../src/shared/types';
import { resultsOf, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { OwnRedis } from '../support/redis-server';

/**
 * What a batch costs Redis, counted on a Redis of the file's own with MONITOR: the commands the worker's own
 * connections send (scripts by name, the commands those scripts run apart), for a campaign of 10 batches of one
 * call each, with delivery tracking on and every report pushed to the server.
 */
const port = 18_000 + Math.floor(Math.random() * 500) * 2;
const own = new OwnRedis(port);
const DLR_TOKEN = 'round-trips-token-0123456789';
const BATCHES = 10;
const BATCH_SIZE = 200;
const stack = useCampaignStack('round-trips', {
  redis: own,
  app: 'listen',
  pushReports: true,
  simulator: { faults: { reportDelayMs: 0, reportDelayJitterMs: 0 } },
  env: { DLR_TOKEN, DLR_POLL_INTERVAL_MS: '0', SMS_BATCH_SIZE: String(BATCH_SIZE), SMS_AUTO_SETTLE: 'false' },
});

/** Every Lua script of smsq, by its SHA1 as runScript sends it. */
const SCRIPTS = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.lua'))
  .map((f) => {
    const name = f.slice(0, -'.lua'.length);
    const source = loadScript(name);
    return { name, source, sha: createHash('sha1').update(source).digest('hex') };
  });
const SCRIPT_NAMES = new Map(SCRIPTS.map((s) => [s.sha, s.name]));

/** The commands MONITOR showed: those the worker's connections sent, and those its scripts ran. */
interface Seen {
  sent: Map<string, number>;
  inScripts: Map<string, number>;
}

function count(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** The address (ip:port) of every client connected now. */
async function clientAddresses(redis: IORedis): Promise<Set<string>> {
  const list = (await redis.client('LIST')) as string;
  return new Set(list.split('\n').flatMap((line) => /\baddr=(\S+)/.exec(line)?.[1] ?? []));
}

let nextNumber = 447_700_100_000;
function recipients(n: number) {
  return Array.from({ length: n }, () => ({ number: String(nextNumber++) }));
}

it('makes two bookkeeping scripts per call, indexes every msgId inside the second, and every report pushed is matched', async () => {
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Round trips', recipients: recipients(BATCHES * BATCH_SIZE) });
  const admin = new IORedis(own.url);
  // Loaded before: every run of them is an EVALSHA that names them.
  for (const script of SCRIPTS) await admin.script('LOAD', script.source);
  const watcher = new IORedis(own.url);
  const monitor = await watcher.monitor();
  const before = await clientAddresses(admin);
  const seen: Seen = { sent: new Map(), inScripts: new Map() };
  // A script's own commands come with source 'lua'; a command from a connection opened after `before`, from the worker.
  const lastScript: { name: string | null } = { name: null };
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const command = args[0].toLowerCase();
    if (source === 'lua') {
      if (lastScript.name) count(seen.inScripts, `${lastScript.name} ${command} ${keyKind(args[1] ?? '')}`);
      return;
    }
    if (before.has(source)) {
      lastScript.name = null;
      return;
    }
    const name = command === 'evalsha' ? (SCRIPT_NAMES.get(args[1]) ?? 'bullmq') : command === 'eval' ? 'bullmq' : null;
    lastScript.name = name;
    count(seen.sent, name ? `script ${name}` : `${command} ${keyKind(args[1] ?? '')}`);
  });
  try {
    await stack.worker();
    const info = await waitFor(
      'the campaign to complete with every report',
      async () => {
        const i = await stack.producer.getCampaign(campaignId);
        return i.state === 'completed' && i.delivery.pending === 0 ? i : undefined;
      },
      60_000,
    );
    expect(info.counts).toMatchObject({ sent: BATCHES * BATCH_SIZE, unknown: 0, failed: 0 });
  } finally {
    monitor.disconnect();
    watcher.disconnect();
    admin.disconnect();
  }

  // Per batch: the gate, the call's start and the call's end (which records, indexes and counts the batch in).
  const scripts = [...seen.sent].filter(([k]) => k.startsWith('script ')).map(([k, n]) => [k.slice('script '.length), n / BATCHES]);
  expect(Object.fromEntries(scripts.filter(([name]) => SMSQ_BATCH_SCRIPTS.has(String(name))))).toEqual({
    'start-batch': 1,
    'begin-call': 1,
    'end-call': 1,
  });
  // Nothing of the msgId index or the poller's list is written, nor the held-reports flag read, outside END_CALL but
  // the batch references a process takes, a block at a time. (A report pushed before its call's end is held, and
  // the worker reads and deletes it after: that depends on the race, and is not counted here.)
  const indexWrites = [...seen.sent].filter(([k]) => /^(?!hget |hmget )\S+ (msgidx|dlr:awaiting|dlr:held-any)$/.test(k));
  expect(Object.fromEntries(indexWrites)).toEqual({ 'hincrby msgidx': 1 });
  expect(seen.inScripts.get('end-call hset msgidx')).toBeGreaterThanOrEqual(BATCHES);
  expect(seen.inScripts.get('end-call zadd dlr:awaiting')).toBe(BATCHES);
  expect(seen.inScripts.get('end-call exists dlr:held-any')).toBe(BATCHES);

  // Every msgId sent is the gateway's, and a pushed report came back for it and was matched.
  const results: RecipientResult[] = await resultsOf(stack.producer, campaignId);
  expect(results).toHaveLength(BATCHES * BATCH_SIZE);
  for (const r of results) {
    expect(r.status).toBe('sent');
    expect(stack.sim.ledger.byMsgId(r.msgId!)?.number).toBe(r.number);
    expect(['delivered', 'undelivered']).toContain(r.delivery);
  }
});

/** smsq's scripts a batch job runs (not BullMQ's, nor the server's). */
const SMSQ_BATCH_SCRIPTS = new Set(['start-batch', 'begin-call', 'end-call', 'record-outcomes', 'finish-batch']);

/**
 * Which of smsq's keys a command names: the first part after the file's prefix (`msgidx`, `campaign`, …), the
 * first two for the delivery keys (`dlr:awaiting`, `dlr:held-any`, `dlr:held`).
 */
function keyKind(key: string): string {
  const parts = (key.startsWith(stack.prefix) ? key.slice(stack.prefix.length + 1) : key).split(':');
  return parts[0] === 'dlr' ? parts.slice(0, 2).join(':') : parts[0];
}
