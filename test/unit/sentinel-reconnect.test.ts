/**
 * A Sentinel client (createRedis with REDIS_SENTINELS) that ioredis ends by itself during a failover connects again.
 * The race, as sentinel.test.ts met it on a loaded machine: the primary's socket closes, the client asks a sentinel
 * where the primary is now, and the +switch-master message that ioredis' failover detector listens to comes while
 * that question is still out. The detector closes the connector, the connect in progress fails with "Connection is
 * closed." and ioredis puts the client in status `end`, which it never leaves on its own. Here a fake sentinel and a
 * fake primary (a few RESP commands over TCP, no Redis) play that order of events deterministically.
 */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { closeRedis, createRedis, type RedisClient } from '../../src/shared/redis/connection';
import { waitUntil } from '../support/wait-for';

type Handler = (socket: net.Socket, args: string[]) => void;

const bulk = (s: string | null) => (s === null ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);
const array = (items: string[]) => `*${items.length}\r\n${items.join('')}`;

/** A TCP server that reads the RESP arrays of bulk strings clients send and hands each command to `handle`. */
async function respServer(handle: Handler): Promise<{ port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseCommand(buf);
        if (!parsed) return;
        buf = buf.subarray(parsed.used);
        handle(socket, parsed.args);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function parseCommand(buf: Buffer): { args: string[]; used: number } | null {
  const line = (from: number) => {
    const end = buf.indexOf('\r\n', from);
    return end < 0 ? null : { text: buf.toString('utf8', from, end), next: end + 2 };
  };
  const head = line(0);
  if (!head) return null;
  const args: string[] = [];
  let at = head.next;
  for (let i = 0; i < Number(head.text.slice(1)); i++) {
    const len = line(at);
    if (!len) return null;
    const size = Number(len.text.slice(1));
    if (buf.length < len.next + size + 2) return null;
    args.push(buf.toString('utf8', len.next, len.next + size));
    at = len.next + size + 2;
  }
  return { args, used: at };
}

/** A primary that answers what a client's connect and these tests send, and keeps what SET stores. */
function primaryHandler(): Handler {
  const store = new Map<string, string>();
  return (socket, [name, ...args]) => {
    switch (name.toLowerCase()) {
      case 'info':
        return void socket.write(bulk('# Replication\r\nrole:master\r\n'));
      case 'ping':
        return void socket.write('+PONG\r\n');
      case 'set':
        store.set(args[0], args[1]);
        return void socket.write('+OK\r\n');
      case 'get':
        return void socket.write(bulk(store.get(args[0]) ?? null));
      case 'quit':
        socket.write('+OK\r\n');
        return void socket.end();
      default:
        return void socket.write('+OK\r\n');
    }
  };
}

/**
 * A sentinel naming the primary on `primaryPort`. After `switchDuringNextQuestion()`, the next client asking for the
 * primary's address first gets +switch-master published to the subscribers (the failover detector), and its answer
 * only a moment later.
 */
function sentinelHandler(primaryPort: () => number) {
  const subscribers = new Set<net.Socket>();
  let switchNext = false;
  let switched = false;
  const handle: Handler = (socket, [name, ...args]) => {
    const command = name.toLowerCase();
    if (command === 'subscribe') {
      subscribers.add(socket);
      return void socket.write(array([bulk('subscribe'), bulk(args[0]), ':1\r\n']));
    }
    if (command === 'sentinel' && args[0].toLowerCase() === 'get-master-addr-by-name') {
      const answer = array([bulk('127.0.0.1'), bulk(String(primaryPort()))]);
      if (!switchNext) return void socket.write(answer);
      switchNext = false;
      for (const s of subscribers) s.write(array([bulk('message'), bulk('+switch-master'), bulk('p 127.0.0.1 1 127.0.0.1 2')]));
      switched = true;
      // The answer after the message has reached the client: its detector has closed the connector by then.
      return void setTimeout(() => socket.write(answer), 50);
    }
    if (command === 'sentinel') return void socket.write('*0\r\n');
    socket.write(command === 'ping' ? '+PONG\r\n' : '+OK\r\n');
  };
  return {
    handle,
    switchDuringNextQuestion: () => void (switchNext = true),
    get switched() {
      return switched;
    },
  };
}

let primary: Awaited<ReturnType<typeof respServer>>;
let sentinelServer: Awaited<ReturnType<typeof respServer>>;
let sentinel: ReturnType<typeof sentinelHandler>;
let redis: RedisClient | undefined;

beforeEach(async () => {
  primary = await respServer(primaryHandler());
  sentinel = sentinelHandler(() => primary.port);
  sentinelServer = await respServer(sentinel.handle);
});

afterEach(async () => {
  jest.useRealTimers();
  if (redis) await closeRedis(redis);
  redis = undefined;
  await sentinelServer.close();
  await primary.close();
});

function sentinelClient(role: 'worker' | 'client'): RedisClient {
  return createRedis(
    { redisUrl: 'redis://127.0.0.1:1', redisSentinel: { nodes: [{ host: '127.0.0.1', port: sentinelServer.port }], name: 'p' } },
    role,
  );
}

it.each(['worker', 'client'] as const)(
  'a %s connection ended by +switch-master during its reconnect connects again and answers',
  async (role) => {
    const client = (redis = sentinelClient(role));
    await client.set('k', 'v');
    sentinel.switchDuringNextQuestion();
    // Not events.once: the client emits 'error' ("Connection is closed.") just before it ends.
    const ended = new Promise((resolve) => client.once('end', resolve));
    // The primary's sockets close, as when it crashes: the client asks the sentinel again.
    for (const s of primary.sockets) s.destroy();
    await ended;
    expect(sentinel.switched).toBe(true);
    // ioredis alone stays ended: every command fails at once with "Connection is closed.".
    await waitUntil('the ended client to be ready again', () => client.status === 'ready', 5_000, 20);
    expect(await client.get('k')).toBe('v');
  },
);

it('a connection closed by closeRedis (quit, then disconnect) is left closed', async () => {
  const client = (redis = sentinelClient('client'));
  await client.ping();
  await closeRedis(client);
  await waitUntil('the closed client to end', () => client.status === 'end', 5_000, 20);
  const connect = jest.spyOn(client, 'connect');
  jest.useFakeTimers();
  // An `end` after the close, whatever its cause, starts no connect.
  client.emit('end');
  jest.advanceTimersByTime(10_000);
  expect(connect).not.toHaveBeenCalled();
  redis = undefined;
});
