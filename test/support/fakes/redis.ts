/**
 * The few Redis commands the units send on `ctx.redis` themselves, rather than through a store: SET NX (the
 * account-level stop), GET and DEL, and pipelines or MULTI of HGET, HSET, PEXPIRE, PTTL, PERSIST and DEL (a resend
 * round reading its batches' states; a producer's pending batches). Keys expire by `now()`, which jest's fake timers
 * move. Not typed by Pick<Redis>: ioredis declares each command with dozens of overloads; the fake context casts it
 * once, and a command not listed here fails the test with a message naming it.
 */
import type { FakeWorld } from './world';

type Reply = [error: Error | null, reply: unknown];

export class FakeRedis {
  readonly strings = new Map<string, string>();
  readonly hashes = new Map<string, Map<string, string>>();
  private readonly expiresAt = new Map<string, number>();
  /** Set to make every write refused as a full Redis refuses it (OOM under noeviction), until cleared. */
  refuseWrites: Error | null = null;
  /** Commands sent, by name, and pipelines or MULTIs executed: the round trips and writes a unit made. */
  readonly sent: string[] = [];
  execs = 0;

  constructor(
    private readonly world: FakeWorld,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async set(key: string, value: string, ...args: Array<string | number>): Promise<'OK' | null> {
    this.sent.push('set');
    this.purge(key);
    const flags = args.map((a) => String(a).toUpperCase());
    if (flags.includes('NX') && this.exists(key)) return null;
    if (this.refuseWrites) throw this.refuseWrites;
    this.strings.set(key, value);
    const px = flags.indexOf('PX');
    if (px >= 0) this.expiresAt.set(key, this.now() + Number(args[px + 1]));
    else this.expiresAt.delete(key);
    return 'OK';
  }

  async get(key: string): Promise<string | null> {
    this.sent.push('get');
    this.purge(key);
    return this.strings.get(key) ?? null;
  }

  async del(...keys: string[]): Promise<number> {
    this.sent.push('del');
    return keys.filter((k) => this.delete(k)).length;
  }

  pipeline(): FakePipeline {
    return new FakePipeline(this, false);
  }

  multi(): FakePipeline {
    return new FakePipeline(this, true);
  }

  /** One command of a pipeline or MULTI, run when it is executed. */
  run(command: string, key: string, args: string[]): unknown {
    this.sent.push(command);
    this.purge(key);
    const writes = command !== 'hget' && command !== 'pttl';
    if (writes && this.refuseWrites) throw this.refuseWrites;
    switch (command) {
      case 'hget':
        return this.hget(key, args[0]);
      case 'hset': {
        const h = this.hashes.get(key) ?? new Map<string, string>();
        for (let i = 0; i < args.length; i += 2) h.set(args[i], args[i + 1]);
        this.hashes.set(key, h);
        return args.length / 2;
      }
      case 'pexpire':
        if (!this.exists(key)) return 0;
        this.expiresAt.set(key, this.now() + Number(args[0]));
        return 1;
      case 'pttl': {
        if (!this.exists(key)) return -2;
        const at = this.expiresAt.get(key);
        return at === undefined ? -1 : at - this.now();
      }
      case 'persist':
        return this.expiresAt.delete(key) ? 1 : 0;
      case 'del':
        return this.delete(key) ? 1 : 0;
      default:
        throw new Error(`the fake Redis has no ${command}: add it to test/support/fakes/redis.ts`);
    }
  }

  /** A batch record's `st` comes from the world (see FakeBatchStore); other hashes from this keyspace. */
  private hget(key: string, field: string): string | null {
    const batch = this.world.batches.get(key);
    if (batch && field === 'st') return batch.done ? 'done' : null;
    return this.hashes.get(key)?.get(field) ?? null;
  }

  exists(key: string): boolean {
    return this.strings.has(key) || this.hashes.has(key);
  }

  /** When `key` expires (ms by `now()`), or undefined when it does not. */
  expiryOf(key: string): number | undefined {
    return this.expiresAt.get(key);
  }

  private delete(key: string): boolean {
    this.expiresAt.delete(key);
    const had = this.strings.delete(key);
    return this.hashes.delete(key) || had;
  }

  private purge(key: string): void {
    const at = this.expiresAt.get(key);
    if (at !== undefined && at <= this.now()) this.delete(key);
  }
}

/** Commands queued and run in order by exec(); a MULTI's exec rejects when a command fails, as ioredis's EXECABORT does. */
export class FakePipeline {
  private readonly queued: Array<[command: string, key: string, args: string[]]> = [];

  constructor(
    private readonly redis: FakeRedis,
    private readonly atomic: boolean,
  ) {}

  hget(key: string, field: string): this {
    return this.push('hget', key, [field]);
  }
  hset(key: string, field: string, value: string): this {
    return this.push('hset', key, [field, value]);
  }
  pexpire(key: string, ms: number): this {
    return this.push('pexpire', key, [String(ms)]);
  }
  pttl(key: string): this {
    return this.push('pttl', key, []);
  }
  persist(key: string): this {
    return this.push('persist', key, []);
  }
  del(key: string): this {
    return this.push('del', key, []);
  }

  async exec(): Promise<Reply[]> {
    this.redis.execs++;
    const replies: Reply[] = [];
    for (const [command, key, args] of this.queued) {
      try {
        replies.push([null, this.redis.run(command, key, args)]);
      } catch (err) {
        if (this.atomic) throw err;
        replies.push([err as Error, null]);
      }
    }
    return replies;
  }

  private push(command: string, key: string, args: string[]): this {
    this.queued.push([command, key, args]);
    return this;
  }
}
