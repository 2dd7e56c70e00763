/**
 * The leak check, on for every test file (each jest config's setupFilesAfterEnv and testEnvironment): a file must
 * close every Redis connection (a BullMQ Worker, Queue or QueueEvents holds some), server and child process it
 * opens. One still open once the file's own afterAll hooks have run fails the file, naming what leaked and the code
 * that opened it. graphile-worker's tests guard themselves the same way, failing a test that leaves a worker running.
 *
 * How: this module runs before the test file is loaded. It notes which kinds of handle keep the event loop busy now
 * (`process.getActiveResourcesInfo()`), and from then on records each ioredis client that connects, each server that
 * listens and each child process spawned, with the stack that opened it. leak-check-environment.ts calls
 * `finish()` after the file's last afterAll hook (jest-circus runs afterAll hooks in the order they were
 * registered, so a hook registered here would run before the file's own) and reports what it returns.
 */
import { ChildProcess } from 'node:child_process';
import { Server } from 'node:net';
import IORedis, { Cluster } from 'ioredis';

/** Where the test environment finds `finish` on the test file's global object. */
export const LEAK_CHECK_FINISH = Symbol.for('smsq.leakCheck.finish');

/**
 * How long a file's resources get to finish closing after its afterAll hooks: a socket ended by `disconnect()` or a
 * server's `close()` closes a moment later. On a Redis Cluster, a closed BullMQ Worker's blocking connection to its
 * node ends only when the blocking command it was in returns, within BullMQ's drainDelay (5 s): so 6 s, not less
 * (3 s failed a cluster run once). Only a file that leaks waits this long (leak-check.test.ts shortens it).
 */
const SETTLE_MS = Number(process.env.LEAK_CHECK_SETTLE_MS ?? 6_000);

/** Handle types that mean an open connection, server or child process (timers and file requests come and go). */
const WATCHED_HANDLES = ['TCPSocketWrap', 'TCPServerWrap', 'PipeWrap', 'PipeServerWrap', 'ProcessWrap', 'UDPWrap'];

interface Opened {
  /** What it is, as a reader would name it: "Redis connection of a BullMQ Worker", "HTTP server on 127.0.0.1:4321". */
  what: string;
  stack: string;
  isOpen(): boolean;
}

/** Servers and child processes are made by Node's own modules, patched once per jest worker; records go to the running file. */
interface CoreRecorder {
  current: Set<Opened>;
}
const CORE_RECORDER = Symbol.for('smsq.leakCheck.coreRecorder');

function openingStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack;
}

/**
 * The frames worth reading, paths relative to the project: its own code, and the library call it made to open the
 * thing. Written with "←" rather than "at", so that jest prints them as part of the message, in full.
 */
function readableFrames(stack: string): string[] {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at ') && !l.includes(__filename))
    .map((l) => `← ${l.slice(3).replaceAll(`${process.cwd()}/`, '')}`);
  const ours = (l: string) => !l.includes('node_modules') && !l.includes('node:') && !l.includes('(<anonymous>)');
  const firstOurs = frames.findIndex(ours);
  const out = frames.filter(ours);
  // The library frame just before our first one says which call opened it (new Worker, app.listen, spawn…).
  if (firstOurs > 0) out.unshift(frames[firstOurs - 1]);
  // Opened by a library on its own (a cluster's subscriber connection…): its frames are all there is.
  return out.length > 0 ? out.slice(0, 8) : frames.slice(0, 4);
}

/** "BullMQ Worker" when a BullMQ class made the connection: the outermost `new Worker (…bullmq…)` frame of the stack. */
function bullmqOwner(stack: string): string | undefined {
  const owners = [...stack.matchAll(/at new (Worker|Queue|QueueEvents|FlowProducer|JobScheduler) \([^)]*bullmq/g)];
  return owners.length > 0 ? `BullMQ ${owners[owners.length - 1][1]}` : undefined;
}

/**
 * A client is open until its status is 'end'. A cluster can stay 'disconnecting' once closed (disconnect() after
 * quit() finds no node left to drain), so it counts as open while it is connected or reconnecting, or any of its
 * node connections is.
 */
function redisIsOpen(client: IORedis | Cluster): boolean {
  if (client instanceof Cluster) {
    return (
      ['connecting', 'connect', 'ready', 'reconnecting'].includes(client.status) ||
      client.nodes('all').some((n) => n.status !== 'end' && n.status !== 'wait')
    );
  }
  return client.status !== 'end';
}

function trackRedis(opened: Set<Opened>): void {
  // A cluster connects to its nodes later, from its own code: such a connection is named with the cluster's stack.
  const clusterOf = new WeakMap<object, { what: string; stack: string }>();
  for (const Client of [IORedis, Cluster] as const) {
    const proto = Client.prototype as { connect: (...args: unknown[]) => Promise<void> };
    const connect = proto.connect;
    const seen = new WeakSet<object>();
    proto.connect = function (this: IORedis | Cluster, ...args: unknown[]) {
      if (!seen.has(this)) {
        seen.add(this);
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- the receiver, kept for the listeners below
        const client = this;
        const stack = openingStack();
        const owner = bullmqOwner(stack);
        const kind = client instanceof Cluster ? 'Redis Cluster client' : 'Redis connection';
        const record = { what: owner ? `${kind} of a ${owner}` : kind, stack };
        if (client instanceof Cluster) {
          const pool = (client as unknown as { connectionPool?: NodeJS.EventEmitter }).connectionPool;
          pool?.on('+node', (node: object) => clusterOf.set(node, record));
        }
        const cluster = clusterOf.get(client);
        opened.add(
          cluster
            ? { what: `node connection of a ${cluster.what}`, stack: cluster.stack, isOpen: () => redisIsOpen(client) }
            : { ...record, isOpen: () => redisIsOpen(client) },
        );
      }
      return connect.apply(this, args);
    };
  }
}

function trackCore(): CoreRecorder {
  const holder = Server as unknown as Record<symbol, CoreRecorder | undefined>;
  const existing = holder[CORE_RECORDER];
  if (existing) return existing;
  const recorder: CoreRecorder = { current: new Set() };
  holder[CORE_RECORDER] = recorder;

  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the receiver, kept for the listeners below
    const server = this;
    const stack = openingStack();
    const kind =
      server.constructor.name === 'Server' && 'maxHeadersCount' in server ? 'HTTP server' : `${server.constructor.name} (net.Server)`;
    recorder.current.add({
      get what() {
        const a = server.address();
        return a && typeof a === 'object' ? `${kind} on ${a.address}:${a.port}` : kind;
      },
      stack,
      isOpen: () => server.listening,
    });
    return (listen as (...a: unknown[]) => Server).apply(this, args);
  } as typeof Server.prototype.listen;

  // ChildProcess#spawn is what spawn(), exec() and fork() call; Node's types leave it out.
  const proto = ChildProcess.prototype as ChildProcess & { spawn(options: unknown): unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: ChildProcess, options: unknown) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the receiver, kept for the listeners below
    const child = this;
    const stack = openingStack();
    const result = spawn.call(this, options);
    recorder.current.add({
      get what() {
        return `child process ${child.pid ?? ''} (${child.spawnargs.slice(0, 3).join(' ')}${child.spawnargs.length > 3 ? ' …' : ''})`;
      },
      stack,
      isOpen: () => child.exitCode === null && child.signalCode === null,
    });
    return result;
  };
  return recorder;
}

function countHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (WATCHED_HANDLES.includes(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** Handles open now beyond those open before the file was loaded, as "TCPSocketWrap ×2". */
function extraHandles(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of countHandles()) {
    const extra = n - (baseline.get(type) ?? 0);
    if (extra > 0) out.push(`${type} ×${extra}`);
  }
  return out;
}

function report(leaked: Opened[], handles: string[]): string {
  const lines = [`leak check: this test file left resources open after its afterAll hooks (waited ${SETTLE_MS} ms for them to close).`];
  lines.push('Close each in afterAll (worker.close(), queue.close(), redis.quit() or disconnect(), server.close(), child.kill()).');
  const byWhat = new Map<string, Opened[]>();
  for (const o of leaked) {
    const key = `${o.what.replace(/ on \S+$/, '')}\n${readableFrames(o.stack).join('\n')}`;
    byWhat.set(key, [...(byWhat.get(key) ?? []), o]);
  }
  for (const group of byWhat.values()) {
    const first = group[0];
    lines.push('', `  ${group.length} × ${first.what}${group.length > 1 ? ' (and the like)' : ''}, opened by`);
    for (const frame of readableFrames(first.stack)) lines.push(`      ${frame}`);
  }
  if (handles.length > 0) {
    lines.push(
      '',
      `  handles open beyond those before the file started: ${handles.join(', ')}` +
        (leaked.length === 0 ? " (made by something the check does not name: a socket of a library's own, a raw net connection…)" : ''),
    );
  }
  return lines.join('\n');
}

function install(): void {
  const baseline = countHandles();
  const opened = new Set<Opened>();
  trackRedis(opened);
  const core = trackCore();
  // What an earlier file in this jest worker left open was reported with that file.
  core.current = opened;

  async function finish(): Promise<string | undefined> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const leaked = [...opened].filter((o) => o.isOpen());
      const handles = extraHandles(baseline);
      if (leaked.length === 0 && handles.length === 0) return undefined;
      if (Date.now() >= deadline) return report(leaked, handles);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  (globalThis as Record<symbol, unknown>)[LEAK_CHECK_FINISH] = finish;
}

install();
