/**
 * The batches of a campaign whose rows are read once (stdin, a streamed upload, an iterable, an array), written
 * while the rows are validated and before the campaign exists. Until the campaign is committed each lives only
 * PENDING_TTL_MS unless its producer keeps it alive, so that a producer killed mid-staging (crash, SIGKILL, a lost
 * machine) leaves nothing for longer than that; a producer that gives up (a bad row, a refused budget, Redis
 * refusing a write, an upload cut off or too large) deletes them at once.
 */
import type { Context } from '../shared/context';
import { stagedCheckFields } from '../shared/opt-out/list-version';
import type { BatchWriter } from './stage-rows';

/**
 * Two minutes: long enough that a keep-alive missed in a Redis hiccup of a few seconds loses nothing, short enough
 * that an abandoned upload's batches (20 KB per 1,000 recipients) do not pin a `noeviction` Redis for long.
 */
export const PENDING_TTL_MS = 120_000;
/** Keep-alives per TTL: three may fail in a row before a batch expires under a producer still reading. */
const KEEP_ALIVE_MS = PENDING_TTL_MS / 4;
/** Commands per pipeline when touching every batch (a million recipients are 1,000 batches). */
const CHUNK = 500;

export class PendingBatches {
  /** Batches 0 … written − 1 may exist: a write was started for each. */
  private written = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ctx: Context,
    private readonly campaignId: string,
  ) {
    this.timer = setInterval(() => void this.each((p, key) => p.pexpire(key, PENDING_TTL_MS)).catch(() => undefined), KEEP_ALIVE_MS);
    this.timer.unref();
  }

  readonly write: BatchWriter = async (k, encoded, _count, check) => {
    this.written = Math.max(this.written, k + 1);
    const key = this.ctx.keys.batch(this.campaignId, k);
    await this.ctx.redis
      .multi()
      .hset(key, 'r', encoded, ...(check ? stagedCheckFields(check) : []))
      .pexpire(key, PENDING_TTL_MS)
      .exec();
  };

  /**
   * Makes the batches permanent as the campaign is committed. A batch that is gone (it expired while Redis was
   * out of reach for longer than the TTL) fails the commit: a campaign is never queued short of recipients.
   */
  async persist(): Promise<void> {
    this.stopKeepAlive();
    const replies = await this.each((p, key) => p.pttl(key).persist(key));
    const missing = replies.filter((r, i) => i % 2 === 0 && r === -2).length;
    if (missing > 0) throw new Error(`${missing} staged batch(es) expired before the campaign was committed`);
  }

  /** Deletes what was written; DEL is taken by a full Redis too. Left to the TTL when Redis cannot be reached. */
  async drop(): Promise<void> {
    this.stopKeepAlive();
    await this.each((p, key) => p.del(key)).catch(() => undefined);
  }

  stopKeepAlive(): void {
    clearInterval(this.timer);
  }

  /** Runs one command per batch written, CHUNK to a pipeline; the replies in order, a command's error thrown. */
  private async each(command: (p: ReturnType<Context['redis']['pipeline']>, key: string) => unknown): Promise<unknown[]> {
    const replies: unknown[] = [];
    for (let k = 0; k < this.written; k += CHUNK) {
      const p = this.ctx.redis.pipeline();
      for (let j = k; j < Math.min(k + CHUNK, this.written); j++) command(p, this.ctx.keys.batch(this.campaignId, j));
      for (const [err, reply] of (await p.exec()) ?? []) {
        if (err) throw err;
        replies.push(reply);
      }
    }
    return replies;
  }
}
