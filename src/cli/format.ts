import type { CampaignInfo, DeliverySummary } from '../shared/types';

export function formatStatus(info: CampaignInfo): string {
  const c = info.counts;
  const lines = [
    `campaign ${info.campaignId}: ${info.state}`,
    `  total ${c.total}  sent ${c.sent}  failed ${c.failed}  unknown ${c.unknown}  cancelled ${c.cancelled}  ${c.notSent > 0 ? `not-sent ${c.notSent}  ` : ''}pending ${c.pending}`,
    `  duplicates skipped ${c.duplicatesSkipped}  invalid skipped ${c.invalidSkipped}  batches ${info.batches}`,
  ];
  const d = info.delivery;
  if (c.sent > 0) {
    lines.push(`  delivered ${d.delivered}  undelivered ${d.undelivered}  pending report ${d.pending}  expired ${d.expired}  delivery rate ${deliveryRate(d)}  cost ${cost(d)}`);
  }
  if (info.failure) lines.push(`  failure: ${info.failure.code} ${info.failure.reason}`);
  return lines.join('\n');
}

/** delivered / (delivered + undelivered), with the reports still to come beside it: "97.5% (120 pending)". */
export function deliveryRate(d: DeliverySummary): string {
  const rate = d.deliveryRate === null ? '-' : `${(d.deliveryRate * 100).toFixed(1)}%`;
  return d.pending > 0 ? `${rate} (${d.pending} pending)` : rate;
}

function cost(d: DeliverySummary): string {
  return Object.entries(d.cost).map(([currency, sum]) => `${sum} ${currency}`).join(' + ') || '-';
}

export const LIST_HEADER = 'CREATED                   STATE      PRIORITY  PROGRESS  SENT/TOTAL       FAILED  UNKNOWN  DELIVERY RATE  CAMPAIGN';

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

export { CSV_HEADER, csvLine } from '../shared/results-csv';
