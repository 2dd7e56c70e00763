import type { CampaignInfo } from '../shared/types';

export function formatStatus(info: CampaignInfo): string {
  const c = info.counts;
  const lines = [
    `campaign ${info.campaignId}: ${info.state}`,
    `  total ${c.total}  sent ${c.sent}  failed ${c.failed}  unknown ${c.unknown}  cancelled ${c.cancelled}  ${c.notSent > 0 ? `not-sent ${c.notSent}  ` : ''}pending ${c.pending}`,
    `  duplicates skipped ${c.duplicatesSkipped}  invalid skipped ${c.invalidSkipped}  batches ${info.batches}`,
  ];
  const d = info.delivery;
  if (c.sent > 0) {
    const rate = d.deliveryRate === null ? '-' : `${(d.deliveryRate * 100).toFixed(1)}%`;
    const cost = Object.entries(d.cost).map(([currency, sum]) => `${sum} ${currency}`).join(' + ') || '-';
    lines.push(`  delivered ${d.delivered}  undelivered ${d.undelivered}  pending report ${d.pending}  expired ${d.expired}  delivery rate ${rate}  cost ${cost}`);
  }
  if (info.failure) lines.push(`  failure: ${info.failure.code} ${info.failure.reason}`);
  if (info.maxCost) lines.push(`  budget cap (maxCost) ${info.maxCost}`);
  return lines.join('\n');
}

export { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../shared/results-csv';
