'use strict';
/**
 * What the bench reads from and does to Redis, always under its own queue prefixes: memory figures, worker
 * discovery, campaign progress, and deleting its keys.
 */
const IORedis = require('ioredis');
const { CommandSeries, ownCommands, parseCommandstats, withoutOwn } = require('./commandstats');
const { CpuSeries, sleep, waitFor } = require('./measure');

/** No reconnection: losing Redis mid-run spoils the figures anyway, so the bench stops at once. */
async function connect(url) {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1, connectTimeout: 5_000, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined); // failures surface through the commands
  // The bench's own polling (INFO, HMGET) is left out of the commandstats it reports.
  redis.ownCommands = ownCommands(redis);
  try {
    await redis.connect();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${url.replace(/\/\/[^@]*@/, '//***@')} (${err.message}): start one, or set REDIS_URL or --redis-url`,
    );
  }
  return redis;
}

async function info(redis, section, field) {
  const text = await redis.info(section);
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return m ? m[1].trim() : null;
}

/** INFO used_memory: what the allocator holds for data, whatever client wrote it (so other users add noise). */
async function usedMemory(redis) {
  return Number(await info(redis, 'memory', 'used_memory'));
}

/** Redis's own CPU seconds so far (user + system), for the share of a run's CPU spent in Redis. */
async function redisCpuSeconds(redis) {
  return cpuOf(await redis.info('cpu'));
}

function cpuOf(infoCpu) {
  const get = (f) => Number(new RegExp(`^${f}:(.*)$`, 'm').exec(infoCpu)[1]);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/** Readings come this often: a send window's edges are interpolated between two of them. */
const SAMPLE_MS = 50;

/**
 * Reads Redis's CPU (INFO cpu) and command counters (INFO commandstats, less the bench's own commands) every
 * SAMPLE_MS until `stop()`, for what Redis spent in a send window. Two INFO calls, as a Redis before 7 takes one
 * section a call.
 */
function sampleRedisCpu(redis) {
  const series = new CpuSeries();
  const commands = new CommandSeries();
  const read = () =>
    redis
      .pipeline()
      .info('cpu')
      .info('commandstats')
      .exec()
      .then(
        ([[cpuErr, cpu], [statsErr, stats]]) => {
          const now = Date.now();
          if (!cpuErr) series.add(now, cpuOf(cpu));
          if (!statsErr) commands.add(now, withoutOwn(parseCommandstats(stats), redis.ownCommands ?? {}));
        },
        () => undefined,
      );
  read();
  const timer = setInterval(read, SAMPLE_MS).unref();
  return { series, commands, stop: () => clearInterval(timer) };
}

async function* scan(redis, prefix) {
  let cursor = '0';
  // Bounded by Redis itself: SCAN ends when the cursor comes back to 0.
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}

/** Deletes every key under `prefix:` (UNLINK frees big values in the background), then lets Redis settle. */
async function deletePrefix(redis, prefix) {
  let n = 0;
  for await (const keys of scan(redis, prefix)) {
    if (keys.length > 0) n += await redis.unlink(...keys);
  }
  if (n > 0) await sleep(200); // lazy freeing runs in a background thread; used_memory lags a moment
  return n;
}

/**
 * Sum of `MEMORY USAGE key SAMPLES 0` (exact, nested values included) over the prefix's keys, grouped by what the
 * key is. Unlike used_memory, this counts only our keys, so other users of the Redis cannot disturb it.
 * Keys whose name contains `exclude` (a campaign id) are left out.
 */
async function memoryByKind(redis, prefix, exclude) {
  const kinds = {};
  let total = 0;
  for await (const found of scan(redis, prefix)) {
    const keys = exclude ? found.filter((k) => !k.includes(exclude)) : found;
    if (keys.length === 0) continue;
    const p = redis.pipeline();
    for (const k of keys) p.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const sizes = await p.exec();
    keys.forEach((k, i) => {
      const bytes = Number(sizes[i][1] ?? 0);
      const kind = keyKind(k.slice(prefix.length + 1));
      kinds[kind] ??= { keys: 0, bytes: 0 };
      kinds[kind].keys += 1;
      kinds[kind].bytes += bytes;
      total += bytes;
    });
  }
  return { total, kinds };
}

/** Key names after the prefix: see src/shared/redis/keys.ts, and BullMQ's `<queue>:<jobId>` and `<queue>:<suffix>`. */
function keyKind(name) {
  if (/^campaign:[^:]+$/.test(name)) return 'campaign hash';
  if (/^campaign:[^:]+:batch:\d+$/.test(name)) return 'batch hashes';
  if (/^campaign:[^:]+:batch:\d+:dlr$/.test(name)) return 'delivery report hashes';
  if (/^msgidx:/.test(name)) return 'msgId index';
  if (/^contact:/.test(name)) return 'contact history';
  if (/^supp:/.test(name)) return 'suppression list';
  if (/^dlr:awaiting$/.test(name)) return 'awaiting-report set';
  if (/^batches:b\./.test(name)) return 'batch job hashes';
  if (/^campaigns:c\./.test(name)) return 'split job hash';
  if (/:events$/.test(name)) return 'events streams';
  if (/^naive:\d+$/.test(name)) return 'job hashes (one per recipient)';
  if (/^links:\d+:[0-9A-Za-z]$/.test(name)) return 'tracked links';
  if (/^campaign:[^:]+:batch:\d+:clk$/.test(name)) return 'click records';
  if (/^campaign:[^:]+:clicks$/.test(name)) return 'clicks per minute';
  return 'other queue keys';
}

/**
 * Workers of `queue` connected under `prefix`, from CLIENT LIST. BullMQ names each worker's blocking connection
 * `<prefix>:<base64(queue)>`; a BullMQ Queue object is not used because it would rewrite the queue's meta hash.
 */
async function workerCount(redis, prefix, queue) {
  const name = `${prefix}:${Buffer.from(queue).toString('base64')}`;
  const list = await redis.client('LIST');
  return list.split('\n').filter((line) => {
    const n = / name=(\S*)/.exec(line)?.[1];
    return n === name || n?.startsWith(`${name}:w:`);
  }).length;
}

async function waitForWorkers(redis, prefix, queue, n) {
  await waitFor(async () => (await workerCount(redis, prefix, queue)) >= n, {
    what: `${n} worker(s) of ${prefix}:${queue}`,
    timeoutMs: 20_000,
  });
}

/** Waits until the campaign has ended; throws unless every recipient was sent. */
async function waitForCampaign(redis, prefix, campaignId, size, timeoutMs) {
  const key = `${prefix}:campaign:${campaignId}`;
  const [state, sent, failed, unknown] = await waitFor(
    async () => {
      const f = await redis.hmget(key, 'state', 'sent', 'failed', 'unknown');
      return ['completed', 'failed', 'cancelled'].includes(f[0]) ? f : null;
    },
    { what: `campaign ${campaignId} to end`, timeoutMs, intervalMs: 25 },
  );
  if (state !== 'completed' || Number(sent) !== size) {
    throw new Error(`campaign ${campaignId} ended ${state} with ${sent} sent, ${failed} failed, ${unknown} unknown of ${size}`);
  }
}

module.exports = { connect, usedMemory, redisCpuSeconds, sampleRedisCpu, deletePrefix, memoryByKind, waitForWorkers, waitForCampaign };
