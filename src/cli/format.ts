import type { CampaignInfo, CanaryInfo, DeliverySummary, LinkSummary } from '../shared/types';

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
