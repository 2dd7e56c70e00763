import type { CampaignInfo } from '../shared/types';

export function formatStatus(info: CampaignInfo): string {
  const c = info.counts;
  const lines = [
    `campaign ${info.campaignId}: ${info.state}`,
    `  total ${c.total}  sent ${c.sent}  failed ${c.failed}  unknown ${c.unknown}  cancelled ${c.cancelled}  ${c.notSent > 0 ? `not-sent ${c.notSent}  ` : ''}pending ${c.pending}`,
    `  duplicates skipped ${c.duplicatesSkipped}  invalid skipped ${c.invalidSkipped}  batches ${info.batches}  priority ${info.priority}${info.maxRate !== undefined ? `  max rate ${info.maxRate}/s` : ''}`,
  ];
  const d = info.delivery;
  if (c.sent > 0) {
    const rate = d.deliveryRate === null ? '-' : `${(d.deliveryRate * 100).toFixed(1)}%`;
    const cost = Object.entries(d.cost).map(([currency, sum]) => `${sum} ${currency}`).join(' + ') || '-';
    lines.push(`  delivered ${d.delivered}  undelivered ${d.undelivered}  pending report ${d.pending}  expired ${d.expired}  delivery rate ${rate}  cost ${cost}`);
  }
  if (info.paused) lines.push(`  paused by ${info.paused.by}${info.paused.at !== undefined ? ` at ${new Date(info.paused.at).toISOString()}` : ''}: ${info.paused.reason}`);
  if (info.failure) lines.push(`  failure: ${info.failure.code} ${info.failure.reason}`);
  if (info.state === 'running' && c.pending === 0 && c.unknown > 0) lines.push(`  settling ${c.unknown} unknown recipients from the gateway's records${info.settleError ? `; cannot yet: ${info.settleError}` : ''}`);
  return lines.join('\n');
}

export { CSV_HEADER, csvLine } from '../shared/results-csv';
