import type { RedisClient } from './redis';
import { parseOutcomes } from './batch-store';
import type { Keys } from './keys';
import { decodeRecipients } from './recipient-codec';
import { runScript } from './lua';
import { TRANSITION } from './scripts';
import type { StoredDelivery } from './delivery/delivery-store';
import { deliverySummary, withDelivery } from './delivery/summary';
import type { CampaignInfo, CampaignState, RecipientResult, StoredOutcome } from './types';

/** Campaign hash fields, as written by the producer at commit and by workers as batches finish. */
export interface CampaignRecord {
  content: string;
  senderId?: string;
  state: CampaignState;
  total: number;
  batches: number;
  digest: string;
  fields: Record<string, string>;
}

export class CampaignStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async read(campaignId: string): Promise<CampaignRecord | null> {
    const f = await this.redis.hgetall(this.keys.campaign(campaignId));
    if (!f.state) return null;
    return {
      content: f.content,
      senderId: f.senderId || undefined,
      state: f.state as CampaignState,
      total: Number(f.total),
      batches: Number(f.batches),
      digest: f.digest,
      fields: f,
    };
  }

  /** State and counts; `queuePaused` turns a queued or running campaign into `paused` for the reader. */
  async info(campaignId: string, queuePaused: boolean): Promise<CampaignInfo | null> {
    const rec = await this.read(campaignId);
    if (!rec) return null;
    const f = rec.fields;
    const n = (name: string) => Number(f[name] ?? 0);
    const settled = n('sent') + n('failed') + n('unknown') + n('cancelled') + n('notSent');
    const active = rec.state === 'queued' || rec.state === 'running';
    return {
      campaignId,
      state: active && queuePaused ? 'paused' : rec.state,
      content: rec.content,
      senderId: rec.senderId,
      batches: rec.batches,
      counts: {
        total: rec.total,
        sent: n('sent'),
        failed: n('failed'),
        unknown: n('unknown'),
        cancelled: n('cancelled'),
        notSent: n('notSent'),
        pending: rec.total - settled,
        duplicatesSkipped: n('duplicates'),
        invalidSkipped: n('invalid'),
      },
      delivery: deliverySummary(f, n('sent')),
      createdAt: n('createdAt'),
      finishedAt: f.finishedAt ? Number(f.finishedAt) : undefined,
      failure: f.failCode ? { code: f.failCode, reason: f.failReason ?? '' } : undefined,
      priority: f.priority === 'high' || f.priority === 'low' ? f.priority : 'normal',
      outcomeCodes: outcomeCodes(f),
    };
  }

  /**
   * Moves the campaign to `to` if it is in one of `from`; returns 'ok', 'missing' or the state it was in.
   * Atomic, so a cancel and a content failure (or a completion) cannot both win.
   */
  async transition(campaignId: string, from: CampaignState[], to: CampaignState, fields: Record<string, string> = {}): Promise<string> {
    const args = Object.entries(fields).flat();
    return (await runScript(this.redis, TRANSITION, [this.keys.campaign(campaignId)], [from.join(','), to, ...args])) as string;
  }

  /** Records how far the split job got, so a re-run after a crash resumes there. */
  async setSplitCursor(campaignId: string, next: number): Promise<void> {
    await this.redis.hset(this.keys.campaign(campaignId), 'split', String(next));
  }

  /** One record per recipient, batch by batch: a few hundred KB in memory whatever the campaign's size. */
  async *results(campaignId: string, batches: number): AsyncGenerator<RecipientResult> {
    for (let k = 0; k < batches; k++) {
      const replies = (await this.redis.pipeline().hmget(this.keys.batch(campaignId, k), 'r', 'o').hgetall(this.keys.deliveries(campaignId, k)).exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
      const [r, o] = replies[0][1] as Array<string | null>;
      if (r === null) continue;
      const outcomes = parseOutcomes(o);
      const recipients = decodeRecipients(r);
      const deliveries = replies[1][1] as Record<string, string>;
      for (let i = 0; i < recipients.length; i++) {
        const d = deliveries[i];
        yield withDelivery(toResult(recipients[i].number, recipients[i].orderId, outcomes.get(i)), d ? (JSON.parse(d) as StoredDelivery) : undefined);
      }
    }
  }
}

export function toResult(number: string, orderId: string, o: StoredOutcome | undefined): RecipientResult {
  if (!o) return { number, orderId, status: 'pending' };
  switch (o[0]) {
    case 's':
      return { number, orderId, status: 'sent', msgId: o[1] };
    case 'f':
      return { number, orderId, status: 'failed', code: o[1], reason: o[2] };
    case 'u':
      return { number, orderId, status: 'unknown', code: o[1], reason: o[2] };
    case 'c':
      return { number, orderId, status: 'cancelled' };
    case 'n':
      return { number, orderId, status: 'not-sent', reason: o[1] };
  }
}

/** The `oc:<f|u>:<code>` counters FINISH_BATCH keeps, without the codes that came down to 0 (reconciled). */
function outcomeCodes(f: Record<string, string>): CampaignInfo['outcomeCodes'] {
  const codes: CampaignInfo['outcomeCodes'] = { failed: {}, unknown: {} };
  for (const [k, v] of Object.entries(f)) {
    if (!k.startsWith('oc:') || Number(v) <= 0) continue;
    codes[k[3] === 'f' ? 'failed' : 'unknown'][k.slice(5)] = Number(v);
  }
  return codes;
}
