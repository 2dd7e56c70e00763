/**
 * A dry run: the campaign validated and counted by the very code an enqueue runs (checkCampaign, stageRows with
 * nothing written, the budget check), so its counts, segments and cost are what queueing it would give.
 */
import { suppressionTenant } from '../shared/opt-out/suppression-store';
import type { Context } from '../shared/context';
import type { SmsEncoding } from '../shared/text/encoding';
import { variantName } from '../shared/campaign/variants';
import type { RouteSummary } from './account-routes';
import { checkBudget } from './budget-check';
import { windowRowCheck } from './campaign-timing';
import { checkCampaign } from './check-campaign';
import { stagedWarnings, toRows, type EnqueueOptions } from './enqueue';
import { stageRows } from './stage-rows';
import type { RowProblem } from './validate';

export type PreviewOptions = Omit<EnqueueOptions, 'beforeCommit' | 'onSending'>;

export interface PreviewResult {
  /** Recipients that would be queued. */
  recipients: number;
  batches: number;
  duplicatesSkipped: number;
  /** Recipients on the suppression list now: they would end `suppressed` (the list is checked again at each call). */
  suppressed: number;
  invalidCount: number;
  /** The first 1,000 bad rows. */
  invalidRows: RowProblem[];
  encodings: Record<SmsEncoding, number>;
  /** Segments of all the texts: what the gateway would bill. */
  segments: number;
  /** Per currency, as decimal strings; empty when no price is known. */
  estimatedCost: Record<string, string>;
  /** Where the prices come from: SMS_PRICE_PER_SEGMENT, SMS_PRICES_FILE (path), last delivery report (date), or none. */
  priceSource: string;
  /** Recipients without a price (a prices file that lacks their country). */
  unpriced: number;
  /**
   * With A/B variants: each text priced as if every recipient got it (variant A first). The campaign's own
   * `segments` and `estimatedCost` are the costliest variant's: the most it can cost, whichever wins.
   */
  variants?: Array<{
    variant: string;
    content: string;
    encodings: Record<SmsEncoding, number>;
    segments: number;
    estimatedCost: Record<string, string>;
  }>;
  /** The first few recipients and their texts as they would be sent. */
  samples: Array<{ number: string; orderId: string; text: string }>;
  /**
   * Recipients no gateway account may send to (their number, the campaign's sender ID or its pinned accounts):
   * they would be queued and end `failed` with NO_ROUTE. The first 20 rows and numbers; count covers them all.
   */
  noRoute: RouteSummary['noRoute'];
  /** Recipients by the gateway account each would be tried on first (the others take over when it fails). */
  byAccount: RouteSummary['byAccount'];
  warnings: string[];
  /** What an enqueue would answer instead of queueing (invalid rows, no recipient, over maxCost); absent when it would queue. */
  refusal?: { code: string; message: string };
}

export async function previewCampaign(ctx: Context, opts: PreviewOptions): Promise<PreviewResult> {
  const c = await checkCampaign(ctx, opts);
  const rows = typeof opts.rows === 'function' ? opts.rows() : (opts.rows ?? toRows(opts.recipients ?? []));
  const staged = await stageRows(ctx, rows, {
    content: c.content,
    senderId: c.senderId,
    accounts: c.accounts,
    template: c.template,
    variants: c.variants?.templates,
    linkBase: c.linkBase,
    dedupe: opts.dedupe ?? true,
    skipInvalid: opts.skipInvalid ?? false,
    windowCheck: windowRowCheck(c.timing, ctx.clock.now()),
    countSuppressed: true,
    suppressionTenant: suppressionTenant(ctx.config, c.campaignId),
  });
  const budget = checkBudget(staged.texts, c.maxCost);
  const refusal =
    staged.invalidCount > 0 && !opts.skipInvalid
      ? { code: 'VALIDATION_FAILED', message: `${staged.invalidCount} invalid row(s); nothing would be queued (unless skipInvalid)` }
      : staged.total === 0
        ? { code: 'CAMPAIGN_EMPTY', message: 'no valid recipient' }
        : budget.refusal
          ? { code: budget.refusal.code, message: budget.refusal.message }
          : undefined;
  const t = staged.texts;
  return {
    recipients: staged.total,
    batches: staged.batches,
    duplicatesSkipped: staged.duplicates,
    suppressed: staged.suppressed,
    invalidCount: staged.invalidCount,
    invalidRows: staged.problems,
    encodings: t.encodings,
    segments: t.segments,
    estimatedCost: t.cost,
    priceSource: t.priceSource,
    unpriced: t.unpriced,
    ...(c.variants && staged.variantTexts
      ? {
          variants: staged.variantTexts.map((v, k) => ({
            variant: variantName(k),
            content: c.variants!.texts[k],
            encodings: v.encodings,
            segments: v.segments,
            estimatedCost: v.cost,
          })),
        }
      : {}),
    samples: staged.samples,
    noRoute: staged.routes.noRoute,
    byAccount: staged.routes.byAccount,
    warnings: stagedWarnings(staged, budget.warning),
    ...(refusal ? { refusal } : {}),
  };
}
