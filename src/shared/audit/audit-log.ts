/**
 * The audit trail: one entry per change (an enqueue, a pause, a suppression removed, a key revoked…), with who made
 * it — the key's id and name, or the CLI's or the dashboard's login — when, and what changed. A Redis stream, so
 * entries are ordered and cheap to append; trimmed by time to RESULT_RETENTION_SECONDS on every append (MINID),
 * so the trail lasts as long as the results it explains. A change to a campaign is also kept in the campaign's own
 * short list, so that the console's audit beside a campaign reads its entries without scanning the trail. An
 * entry that cannot be read back is skipped by a list, never breaking it.
 */
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';
import type { Clock } from '../time/clock';
import type { Logger } from '../logger';
import type { Principal } from '../tenants/api-key';

/** Who made a change, as the trail records it. */
export type Actor = Pick<Principal, 'keyId' | 'keyName' | 'tenant'>;

/** smsq itself, for the changes it makes on its own: a canary's gates pausing or releasing a campaign, a budget cap pausing one. */
export const SMSQ_ACTOR: Actor = { keyId: 'smsq', keyName: 'smsq (automatic)' };

/** What an entry may record; `changes` holds the fields that changed (before/after where there is a before). */
export interface AuditChange {
  /** e.g. `campaign.enqueue`, `campaign.pause`, `suppression.remove`, `key.revoke`, `tenant.update`. */
  action: string;
  /** The campaign it changed (its stored id), when it changed one. */
  campaignId?: string;
  /** The tenant it concerns: the actor's, or the campaign's or key's when an admin acted on one. */
  tenant?: string;
  changes?: Record<string, unknown>;
}

export interface AuditEntry extends AuditChange {
  /** The stream id: unique, in the order entries were written. */
  id: string;
  /** ms since the epoch. */
  at: number;
  keyId: string;
  keyName: string;
}

export interface AuditFilter {
  tenant?: string;
  campaignId?: string;
  /** ms since the epoch. */
  since?: number;
  /** Entries at most; newest first. Default 100, at most MAX_AUDIT_PAGE. */
  limit?: number;
}

export const MAX_AUDIT_PAGE = 1_000;
/** `changes` is cut past this many characters of JSON (a suppression import's numbers are counted, not listed). */
const MAX_CHANGES_CHARS = 8_192;
/** Entries read per round while filling a filtered page. */
const READ_AHEAD = 500;
/** A campaign's own list keeps its newest entries, this many. */
export const CAMPAIGN_AUDIT_KEPT = 200;

export class AuditLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly clock: Clock,
    private readonly retentionSeconds: number,
    private readonly log: Logger,
  ) {}

  /**
   * Records a change that has been made. It never throws: the change cannot be taken back, so answering an error
   * would tell the caller it failed, and a retry would meet it done (a campaign already cancelled, a key already
   * made). An entry that cannot be written is logged at error instead (never its `changes`, which may name numbers).
   */
  async record(actor: Actor, change: AuditChange): Promise<void> {
    try {
      await this.append(actor, change);
    } catch (err) {
      this.log.error({ err, action: change.action, campaignId: change.campaignId, keyId: actor.keyId }, 'audit entry not written');
    }
  }

  private async append(actor: Actor, change: AuditChange): Promise<void> {
    const now = this.clock.now();
    let changes = change.changes === undefined ? '' : JSON.stringify(change.changes);
    if (changes.length > MAX_CHANGES_CHARS) changes = JSON.stringify({ truncated: changes.slice(0, MAX_CHANGES_CHARS) });
    const tenant = change.tenant ?? actor.tenant;
    const fields = [
      'at',
      String(now),
      'keyId',
      actor.keyId,
      'keyName',
      actor.keyName,
      'action',
      change.action,
      ...(tenant !== undefined ? ['tenant', tenant] : []),
      ...(change.campaignId !== undefined ? ['campaignId', change.campaignId] : []),
      ...(changes ? ['changes', changes] : []),
    ];
    const minId = Math.max(0, now - this.retentionSeconds * 1000);
    const id = await this.redis.xadd(this.keys.audit(), 'MINID', '~', String(minId), '*', ...fields);
    if (change.campaignId === undefined || id === null) return;
    const key = this.keys.campaignAudit(change.campaignId);
    await this.redis
      .multi()
      .lpush(key, JSON.stringify([id, ...fields]))
      .ltrim(key, 0, CAMPAIGN_AUDIT_KEPT - 1)
      .expire(key, this.retentionSeconds)
      .exec();
  }

  /** Entries, newest first, filtered. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), MAX_AUDIT_PAGE);
    const floor = filter.since === undefined ? '-' : String(Math.max(0, Math.floor(filter.since)));
    const out: AuditEntry[] = [];
    let end = '+';
    for (;;) {
      const page = (await this.redis.xrevrange(this.keys.audit(), end, floor, 'COUNT', READ_AHEAD)) as Array<[string, string[]]>;
      for (const [id, flat] of page) {
        const e = parseEntry(id, flat);
        if (!e) continue;
        if (filter.tenant !== undefined && e.tenant !== filter.tenant) continue;
        if (filter.campaignId !== undefined && e.campaignId !== filter.campaignId) continue;
        out.push(e);
        if (out.length === limit) return out;
      }
      if (page.length < READ_AHEAD) return out;
      end = `(${page[page.length - 1][0]}`;
    }
  }

  /**
   * A campaign's newest entries (at most CAMPAIGN_AUDIT_KEPT) from its own list: no scan of the trail, for a page
   * that polls them. `list({ campaignId })` scans the trail itself, and finds older entries too.
   */
  async ofCampaign(campaignId: string, limit = 100): Promise<AuditEntry[]> {
    const raw = await this.redis.lrange(this.keys.campaignAudit(campaignId), 0, Math.min(Math.max(1, limit), CAMPAIGN_AUDIT_KEPT) - 1);
    const out: AuditEntry[] = [];
    for (const item of raw) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(item);
      } catch {
        continue;
      }
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) continue;
      const [id, ...flat] = parsed;
      const e = parseEntry(id, flat);
      if (e && e.campaignId === campaignId) out.push(e);
    }
    return out;
  }
}

function parseEntry(id: string | undefined, flat: string[]): AuditEntry | null {
  if (typeof id !== 'string') return null;
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i], flat[i + 1]);
  const at = Number(f.get('at'));
  const keyId = f.get('keyId');
  const keyName = f.get('keyName');
  const action = f.get('action');
  if (!Number.isFinite(at) || !keyId || keyName === undefined || !action) return null;
  let changes: Record<string, unknown> | undefined;
  const raw = f.get('changes');
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      changes = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
    } catch {
      changes = { unreadable: raw.slice(0, 200) };
    }
  }
  const tenant = f.get('tenant');
  const campaignId = f.get('campaignId');
  return {
    id,
    at,
    keyId,
    keyName,
    action,
    ...(tenant ? { tenant } : {}),
    ...(campaignId ? { campaignId } : {}),
    ...(changes ? { changes } : {}),
  };
}
