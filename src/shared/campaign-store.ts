import type { RedisClient } from './redis';
import { parseOutcomes } from './batch-store';
import type { Keys } from './keys';
import { decodeRecipients } from './recipient-codec';
import { runScript } from './lua';
import { TRANSITION } from './scripts';
import type { StoredDelivery } from './delivery/delivery-store';
import { formatMicros } from './delivery/money';
import { deliverySummary, withDelivery } from './delivery/summary';
import { parseTemplate, renderStored, type Template } from './text/template';
import type { CampaignInfo, CampaignState, RecipientResult, StoredOutcome } from './types';

/** Campaign hash fields, as written by the producer at commit and by workers as batches finish. */
export interface CampaignRecord {
  /** The text, or for a personalised campaign its template. */
  content: string;
  /** Set for a personalised campaign: `content` parsed; each recipient's text is it rendered with the recipient's values. */
  template?: Template;
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
    const parsed = f.template === '1' ? parseTemplate(f.content) : undefined;
    return {
      content: f.content,
      template: parsed?.ok ? parsed.template : undefined,
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
      maxCost: f.maxCost ? formatMicros(Number(f.maxCost)) : undefined,
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

  /** The campaign's budget cap in millionths, or null for none (one HGET: asked after every priced report). */
  async maxCost(campaignId: string): Promise<number | null> {
    const v = await this.redis.hget(this.keys.campaign(campaignId), 'maxCost');
    return v ? Number(v) : null;
  }

  /** Sets (millionths) or removes (null) the campaign's budget cap; false when there is no such campaign. */
  async setMaxCost(campaignId: string, micros: number | null): Promise<boolean> {
    const key = this.keys.campaign(campaignId);
    // In one script, so that a campaign that expired meanwhile is not brought back as a hash of one field.
    const script = "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'maxCost') else redis.call('HSET', KEYS[1], 'maxCost', ARGV[1]) end return 1";
    return (await this.redis.eval(script, 1, key, micros === null ? '' : String(micros))) === 1;
  }

  /** Records how far the split job got, so a re-run after a crash resumes there. */
  async setSplitCursor(campaignId: string, next: number): Promise<void> {
    await this.redis.hset(this.keys.campaign(campaignId), 'split', String(next));
  }

  /**
   * One record per recipient, batch by batch: a few hundred KB in memory whatever the campaign's size. With
   * `content` (the campaign's record) each line carries its recipient's text, rendered here from the stored template
   * and fields: rendered texts are never stored.
   */
  async *results(campaignId: string, batches: number, content?: Pick<CampaignRecord, 'content' | 'template'>): AsyncGenerator<RecipientResult> {
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
        const r = withDelivery(toResult(recipients[i].number, recipients[i].orderId, outcomes.get(i)), d ? (JSON.parse(d) as StoredDelivery) : undefined);
        if (content) r.content = content.template ? renderStored(content.template, recipients[i].values) : content.content;
        yield r;
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
