import { variantName } from '../shared/campaign/variants';
import type { CampaignInfo, CanaryInfo, DeliverySummary, LinkSummary, VariantsInfo } from '../shared/types';

export function formatStatus(info: CampaignInfo): string {
  const c = info.counts;
  const lines = [
    `campaign ${info.campaignId}: ${info.state}`,
    `  total ${c.total}  sent ${c.sent}  failed ${c.failed}  unknown ${c.unknown}  cancelled ${c.cancelled}  ${c.notSent > 0 ? `not-sent ${c.notSent}  ` : ''}${c.suppressed > 0 ? `suppressed ${c.suppressed}  ` : ''}${c.capped > 0 ? `capped ${c.capped}  ` : ''}${c.expired > 0 ? `expired ${c.expired}  ` : ''}pending ${c.pending}`,
    `  duplicates skipped ${c.duplicatesSkipped}  invalid skipped ${c.invalidSkipped}  batches ${info.batches}  priority ${info.priority}${info.maxRate !== undefined ? `  max rate ${info.maxRate}/s` : ''}${info.accounts ? `  accounts ${info.accounts.join(',')}` : ''}`,
  ];
  const d = info.delivery;
  if (c.sent > 0) {
    lines.push(
      `  delivered ${d.delivered}  undelivered ${d.undelivered}  pending report ${d.pending}  expired ${d.expired}  delivery rate ${deliveryRate(d)}  cost ${cost(d)}`,
    );
  }
  if (info.parentId !== undefined) lines.push(`  resend of ${info.parentId}`);
  if (info.links) lines.push(`  ${clicksLine(info.links)}`);
  if (info.canary) lines.push(`  ${canaryLine(info.canary)}`);
  if (info.variants) lines.push(...variantLines(info.variants, info.canary).map((l) => `  ${l}`));
  const s = info.schedule;
  if (s) {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const parts = [
      s.sendAt !== undefined && `send at ${iso(s.sendAt)}`,
      s.window && `window ${s.window}${s.timezone ? ` (${s.timezone})` : " (recipients' local time)"}`,
      s.expireAt !== undefined && `valid until ${iso(s.expireAt)}`,
    ].filter(Boolean);
    lines.push(`  ${parts.join('  ')}`);
    if (s.waiting)
      lines.push(`  waiting for their window: ${s.waiting.batches} batch(es); the next window opens at ${iso(s.waiting.nextOpenAt)}`);
  }
  if (info.staging) {
    lines.push(
      info.staging.producerAlive
        ? `  staging: ${info.staging.staged} of ${c.total} recipients written so far; the rest send as they are written`
        : `  staging stopped: ${info.staging.staged} of ${c.total} recipients written; its producer is gone. Run the same enqueue again (same --campaign-id, same file) to stage the rest, or cancel it`,
    );
  }
  if (info.unstaged) lines.push(`  ${info.unstaged.count} recipients of its file were never queued: ${info.unstaged.reason}`);
  if (info.paused)
    lines.push(
      `  paused by ${info.paused.by}${info.paused.at !== undefined ? ` at ${new Date(info.paused.at).toISOString()}` : ''}: ${info.paused.reason}`,
    );
  if (info.failure) lines.push(`  failure: ${info.failure.code} ${info.failure.reason}`);
  if (info.maxCost) lines.push(`  budget cap (maxCost) ${info.maxCost}`);
  if (info.state === 'running' && c.pending === 0 && c.unknown > 0)
    lines.push(
      `  settling ${c.unknown} unknown recipients from the gateway's records${info.settleError ? `; cannot yet: ${info.settleError}` : ''}`,
    );
  return lines.join('\n');
}

/** delivered / (delivered + undelivered), with the reports still to come beside it: "97.5% (120 pending)". */
export function deliveryRate(d: DeliverySummary): string {
  const rate = d.deliveryRate === null ? '-' : `${(d.deliveryRate * 100).toFixed(1)}%`;
  return d.pending > 0 ? `${rate} (${d.pending} pending)` : rate;
}

/** "canary 1,000, stopped: failed 20.0% (limit 5.0%), delivered 0.0%, opt-outs 0.0%, hold 10m". */
function canaryLine(c: CanaryInfo): string {
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
  const limit = (x: number | undefined) => (x === undefined ? '' : ` (limit ${pct(x)})`);
  const f = c.figures;
  const figures = f
    ? `: failed ${pct(f.failedRate)}${limit(c.gates.maxFailedRate)}, delivered ${pct(f.deliveredRate)}${limit(c.gates.minDeliveredRate)}, opt-outs ${pct(f.optOutRate)}${limit(c.gates.maxOptOutRate)}`
    : '';
  return `canary ${c.size.toLocaleString('en-US')}, ${c.state}${figures}, hold ${Math.round(c.holdMs / 1000)} s`;
}

const MEASURE_WORDS = { delivered: 'delivered rate', clicks: 'click rate', replies: 'reply rate' } as const;

/** A text on one line of a terminal: its line breaks as spaces, cut at `max` characters with an ellipsis. */
export function shortText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

/**
 * A/B variants: a heading line, then one line per variant. Before the canary is judged, its texts; once judged,
 * each one's recipients (and share of the canary), sent, delivered rate, the measure's rate when that is clicks or
 * replies, and the winner marked.
 *
 *   variants by delivered rate: B won (the rest of the list gets it)
 *     variant  recipients        sent  delivered  text
 *     A        300 (50.0%)        300      40.3%  Hi {{name}}, spring sale at bit.ly/spring
 *     B        300 (50.0%)        300     100.0%  Hi {{name}}, our spring sale starts today  <- winner
 */
export function variantLines(v: VariantsInfo, canary: CanaryInfo | undefined): string[] {
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
  const measure = MEASURE_WORDS[v.winnerBy];
  const f = v.figures;
  if (!f || v.winner === undefined) {
    const each = canary ? ` (about ${Math.round(canary.size / v.texts.length).toLocaleString('en-US')} canary recipients each)` : '';
    return [
      `variants by ${measure}: ${v.texts.length}${each}, judged when the canary's hold ends`,
      ...v.texts.map((t, k) => `  ${variantName(k)}  ${shortText(t, 90)}`),
    ];
  }
  const extra = v.winnerBy === 'clicks' ? 'clickRate' : v.winnerBy === 'replies' ? 'replyRate' : undefined;
  const extraHead = v.winnerBy === 'clicks' ? 'clicked' : 'replied';
  const total = f.reduce((sum, x) => sum + x.recipients, 0);
  const rows = f.map((x, k) => {
    const share = `${x.recipients.toLocaleString('en-US')} (${pct(total > 0 ? x.recipients / total : null)})`;
    return [
      `  ${variantName(k).padEnd(7)}`,
      share.padEnd(16),
      x.sent.toLocaleString('en-US').padStart(6),
      pct(x.deliveredRate).padStart(10),
      ...(extra ? [pct(x[extra]).padStart(8)] : []),
      ` ${shortText(v.texts[k], 60)}${k === v.winner ? '  <- winner' : ''}`,
    ].join(' ');
  });
  const head = [
    '  variant',
    'recipients'.padEnd(16),
    'sent'.padStart(6),
    'delivered'.padStart(10),
    ...(extra ? [extraHead.padStart(8)] : []),
    ' text',
  ].join(' ');
  const rateOf = (x: (typeof f)[number]) =>
    (v.winnerBy === 'clicks' ? x.clickRate : v.winnerBy === 'replies' ? x.replyRate : x.deliveredRate) ?? 0;
  const tied = f.some((x, k) => k !== v.winner && rateOf(x) === rateOf(f[v.winner!]));
  return [
    `variants by ${measure}: ${variantName(v.winner)} won${tied ? ' (a tie: the earlier text wins)' : ''} (the rest of the list gets it)`,
    head,
    ...rows,
  ];
}

/** A tracked campaign's clicks: "clicks 12 by 9 recipients (0.9% of sent), 3 robot or HEAD visits not counted". */
function clicksLine(l: LinkSummary): string {
  const rate = l.clickRate === null ? '-' : `${(l.clickRate * 100).toFixed(1)}%`;
  return `clicks ${l.clicks} by ${l.clickers} recipient${l.clickers === 1 ? '' : 's'} (${rate} of sent), ${l.previews} robot or HEAD visit${l.previews === 1 ? '' : 's'} not counted`;
}

function cost(d: DeliverySummary): string {
  return (
    Object.entries(d.cost)
      .map(([currency, sum]) => `${sum} ${currency}`)
      .join(' + ') || '-'
  );
}

export const LIST_HEADER =
  'CREATED                   STATE      PRIORITY  PROGRESS  SENT/TOTAL       FAILED  UNKNOWN  DELIVERY RATE  CAMPAIGN';

/** One line of `smsq list`: a fixed-width table an operator can scan and `grep`. */
export function formatListLine(info: CampaignInfo): string {
  const c = info.counts;
  const progress = c.total > 0 ? `${(((c.total - c.pending) / c.total) * 100).toFixed(0)}%` : '-';
  return [
    new Date(info.createdAt).toISOString().padEnd(25),
    info.state.padEnd(10),
    info.priority.padEnd(9),
    progress.padStart(8),
    `${c.sent}/${c.total}`.padStart(16),
    String(c.failed).padStart(7),
    String(c.unknown).padStart(8),
    (info.delivery.deliveryRate === null ? '-' : `${(info.delivery.deliveryRate * 100).toFixed(1)}%`).padStart(14),
    ` ${info.campaignId}`,
  ].join(' ');
}

export { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../shared/batch/results-csv';
