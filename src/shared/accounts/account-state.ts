import type { GatewayAccount } from '../config';
import type { Keys } from '../redis/keys';
import { lua, runScript } from '../redis/lua';
import type { RedisClient } from '../redis/connection';

/** Why an account stopped sending (its gateway status), as the worker that met it recorded it. */
export interface AccountStop {
  code: string;
  reason: string;
  operatorAction: string;
  at: number;
}

/** What routing knows of one account: its stop, if any, and its circuit breaker. */
export interface AccountView {
  stop: AccountStop | null;
  /** Transient failures in a row. */
  failures: number;
  /** While in the future the breaker is open; 0: closed. */
  openUntil: number;
}

/** Whether a call may go to an account now: `probe` is an open breaker whose time is up (one call may try it). */
export type Availability = 'ok' | 'stopped' | 'open' | 'probe';

const ACCOUNT_FAILURE = lua<[state: string], [now: string, threshold: string, openMs: string], [number, string]>('account-failure');
const ACCOUNT_PROBE = lua<[state: string], [now: string, holdMs: string], number>('account-probe');
const ACCOUNT_RATE = lua<[rate: string], [now: string, recipients: string, maxRate: string], number>('account-rate');

/**
 * How fresh routing's view of the accounts must be: a stop or an open breaker recorded by another worker is seen
 * within this long (the call that meets it also sees it at once), and a batch costs no extra round trip.
 */
const VIEW_TTL_MS = 1_000;

const CLOSED: AccountView = Object.freeze({ stop: null, failures: 0, openUntil: 0 });

/**
 * Each account's stop and circuit breaker, in Redis so that every worker routes alike (docs/accounts.md): a stop
 * (`-1`, `-2`, `-10`, `-13`, `-19`, persistent `-16`) holds until an operator clears it (`smsq resume`, `smsq
 * accounts resume NAME`); a breaker opens after SMS_BREAKER_FAILURES transient failures in a row and, after
 * SMS_BREAKER_OPEN_MS, lets one probe call through.
 */
export class AccountStates {
  private view: { at: number; states: Map<string, AccountView> } | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly accounts: readonly GatewayAccount[],
    private readonly breaker: { failures: number; openMs: number },
  ) {}

  /** Every account's state, read at most once a second by this process unless `fresh`. */
  async read(fresh = false): Promise<ReadonlyMap<string, AccountView>> {
    const now = Date.now();
    if (!fresh && this.view && now - this.view.at < VIEW_TTL_MS) return this.view.states;
    const p = this.redis.pipeline();
    for (const a of this.accounts) p.hmget(this.keys.accountState(a.name), 'stop', 'fails', 'openUntil');
    const replies = (await p.exec()) ?? [];
    const states = new Map<string, AccountView>();
    this.accounts.forEach((a, i) => {
      const [err, fields] = replies[i] ?? [];
      if (err) throw err;
      const [stop, fails, openUntil] = (fields as Array<string | null>) ?? [];
      states.set(a.name, {
        stop: stop ? readStop(stop) : null,
        failures: toCount(fails),
        openUntil: toCount(openUntil),
      });
    });
    this.view = { at: now, states };
    return states;
  }

  /** The account's state as last read (closed when never read). */
  cached(name: string): AccountView {
    return this.view?.states.get(name) ?? CLOSED;
  }

  static availability(v: AccountView, now: number): Availability {
    if (v.stop) return 'stopped';
    if (v.openUntil === 0) return 'ok';
    return v.openUntil > now ? 'open' : 'probe';
  }

  /** Records the account's stop; true for the worker that recorded it first (it logs the one clear error). */
  async stop(name: string, stop: AccountStop): Promise<boolean> {
    const first = (await this.redis.hsetnx(this.keys.accountState(name), 'stop', JSON.stringify(stop))) === 1;
    this.forget();
    return first;
  }

  /** Clears the stop and breaker of one account, or of every account. */
  async clear(name?: string): Promise<void> {
    const names = name === undefined ? this.accounts.map((a) => a.name) : [name];
    if (names.length > 0) await this.redis.del(...names.map((n) => this.keys.accountState(n)));
    this.forget();
  }

  /** A transient failure: counts it, and opens the breaker at the threshold. True when the breaker is open now. */
  async failure(name: string, now = Date.now()): Promise<boolean> {
    const [, openUntil] = await runScript(
      this.redis,
      ACCOUNT_FAILURE,
      [this.keys.accountState(name)],
      [String(now), String(this.breaker.failures), String(this.breaker.openMs)],
    );
    this.forget();
    return Number(openUntil) > now;
  }

  /** An answered call: closes the breaker. Written only when this process's view shows failures or is unknown. */
  async success(name: string): Promise<void> {
    const v = this.view?.states.get(name);
    // Known healthy (the common case) costs nothing; unknown since a write of ours forgot the view, clear to be sure.
    if (v && v.failures === 0 && v.openUntil === 0) return;
    await this.redis.hdel(this.keys.accountState(name), 'fails', 'openUntil', 'probeUntil');
    this.forget();
  }

  /** Takes the one probe call of an account whose open time is up; false while another caller holds it. */
  async takeProbe(name: string, now = Date.now()): Promise<boolean> {
    return (await runScript(this.redis, ACCOUNT_PROBE, [this.keys.accountState(name)], [String(now), String(this.breaker.openMs)])) === 1;
  }

  /** Charges a call of `recipients` to the account's maxRate; 0 when it may start now, else the ms to wait first. */
  async takeRate(account: GatewayAccount, recipients: number, now = Date.now()): Promise<number> {
    if (account.maxRate <= 0) return 0;
    return Number(
      await runScript(
        this.redis,
        ACCOUNT_RATE,
        [this.keys.accountRate(account.name)],
        [String(now), String(recipients), String(account.maxRate)],
      ),
    );
  }

  private forget(): void {
    this.view = null;
  }
}

function toCount(raw: string | null | undefined): number {
  const n = Number(raw ?? 0);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** A stop as stored; one written by hand or by another version that cannot be read still stops the account. */
function readStop(raw: string): AccountStop {
  let o: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object') o = parsed as Record<string, unknown>;
  } catch {
    o = null;
  }
  const text = (v: unknown, fallback: string) => (typeof v === 'string' && v.length <= 1000 ? v : fallback);
  return {
    code: text(o?.code, 'UNKNOWN'),
    reason: text(o?.reason, 'stop recorded in an unreadable form'),
    operatorAction: text(o?.operatorAction, 'check the account, then run "smsq accounts resume"'),
    at: typeof o?.at === 'number' && Number.isFinite(o.at) ? o.at : 0,
  };
}
