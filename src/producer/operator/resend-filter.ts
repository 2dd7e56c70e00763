import type { Context } from '../../shared/context';
import type { CampaignRecord } from '../../shared/campaign/record';
import { suppressionTenant } from '../../shared/opt-out/suppression-store';
import { lua, runScript } from '../../shared/redis/lua';

/** Of these numbers, those the frequency cap refuses now (scripts/capped-among.lua: BEGIN_CALL's own rule). */
const CAPPED_AMONG = lua<
  [routing: string],
  [prefix: string, nowSec: string, capCount: string, capPeriodSeconds: string, ...numbers: string[]],
  string[]
>('capped-among');

export interface LeftOutCounts {
  /** On the suppression list now (the shared list, and with SMS_SUPPRESSION_SCOPE=tenant the tenant's own). */
  suppressed: number;
  /** At SMS_FREQUENCY_CAP now (unless the first campaign ignored the cap). */
  capped: number;
}

/**
 * Who a resend leaves out, judged as the new campaign's calls would judge them now: a number on the suppression
 * list binding `campaignId`, or one at the frequency cap. Both are checked again at each call; leaving them out
 * here keeps them out of the new campaign's counts, and says how many and why.
 */
export class LeftOut {
  readonly counts: LeftOutCounts = { suppressed: 0, capped: 0 };

  constructor(
    private readonly ctx: Context,
    private readonly campaignId: string,
    private readonly parent: Pick<CampaignRecord, 'ignoreFrequencyCap'>,
  ) {}

  /** Of one batch's numbers, those left out (counted). */
  async among(numbers: string[]): Promise<Set<string>> {
    const { config } = this.ctx;
    if (numbers.length === 0) return new Set();
    const suppressed = config.optOut.suppressionCheck
      ? await this.ctx.suppressions.which(numbers, suppressionTenant(config, this.campaignId))
      : new Set<string>();
    this.counts.suppressed += suppressed.size;
    const cap = config.optOut.frequencyCap;
    if (!cap || this.parent.ignoreFrequencyCap) return suppressed;
    const rest = numbers.filter((n) => !suppressed.has(n));
    if (rest.length === 0) return suppressed;
    const { keys } = this.ctx;
    const nowSec = Math.floor(this.ctx.clock.now() / 1000);
    const capped = await runScript(
      this.ctx.redis,
      CAPPED_AMONG,
      [keys.contacts('0000')],
      [keys.prefix, String(nowSec), String(cap.count), String(cap.periodSeconds), ...rest],
    );
    this.counts.capped += capped.length;
    for (const n of capped) suppressed.add(n);
    return suppressed;
  }
}
