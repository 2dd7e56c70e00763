import { EventEmitter } from 'node:events';
import type { RedisClient } from '../../src/shared/redis/connection';
import { connectionEpoch, waitDurable } from '../../src/shared/redis/durability';

/** A connection whose WAIT answers `replicas`; `reconnectFirst` makes it reconnect (emit ready) before answering, as a failover does. */
function fakeConnection(replicas: number, reconnectFirst: boolean): RedisClient {
  const conn = new EventEmitter() as EventEmitter & { call: (...args: string[]) => Promise<unknown> };
  conn.call = async (command: string) => {
    if (reconnectFirst) conn.emit('ready');
    return command === 'WAITAOF' ? [replicas, 0] : replicas;
  };
  return conn as unknown as RedisClient;
}

const replica = { mode: 'replica', timeoutMs: 500 } as const;
const aof = { mode: 'aof', timeoutMs: 500 } as const;

describe('waitDurable', () => {
  it('holds a record acknowledged on the connection that wrote it', async () => {
    for (const durability of [replica, aof]) {
      const conn = fakeConnection(1, false);
      expect(await waitDurable(conn, durability, connectionEpoch(conn))).toBe(true);
    }
  });

  it('does not hold one whose connection was replaced between the write and the WAIT (a failover), though the WAIT answers', async () => {
    for (const durability of [replica, aof]) {
      const conn = fakeConnection(1, true);
      expect(await waitDurable(conn, durability, connectionEpoch(conn))).toBe(false);
    }
  });

  it('does not hold one no replica acknowledged, and asks nothing with durability none', async () => {
    expect(await waitDurable(fakeConnection(0, false), replica, 0)).toBe(false);
    const conn = fakeConnection(0, true);
    expect(await waitDurable(conn, { mode: 'none', timeoutMs: 500 }, connectionEpoch(conn))).toBe(true);
  });
});
