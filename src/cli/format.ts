import type { CampaignInfo } from '../shared/types';

export function formatStatus(info: CampaignInfo): string {
  const c = info.counts;
  const lines = [
    `campaign ${info.campaignId}: ${info.state}`,
    `  total ${c.total}  sent ${c.sent}  failed ${c.failed}  unknown ${c.unknown}  cancelled ${c.cancelled}  pending ${c.pending}`,
    `  duplicates skipped ${c.duplicatesSkipped}  invalid skipped ${c.invalidSkipped}  batches ${info.batches}`,
  ];
  if (info.failure) lines.push(`  failure: ${info.failure.code} ${info.failure.reason}`);
  return lines.join('\n');
}

export { CSV_HEADER, csvLine } from '../shared/results-csv';
