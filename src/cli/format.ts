import type { CampaignInfo } from '../shared/types';

export function formatStatus(info: CampaignInfo): string {
  const c = info.counts;
  const lines = [
    `campaign ${info.campaignId}: ${info.state}`,
    `  total ${c.total}  sent ${c.sent}  failed ${c.failed}  unknown ${c.unknown}  cancelled ${c.cancelled}  ${c.notSent > 0 ? `not-sent ${c.notSent}  ` : ''}${c.suppressed > 0 ? `suppressed ${c.suppressed}  ` : ''}${c.capped > 0 ? `capped ${c.capped}  ` : ''}${c.expired > 0 ? `expired ${c.expired}  ` : ''}pending ${c.pending}`,
    `  duplicates skipped ${c.duplicatesSkipped}  invalid skipped ${c.invalidSkipped}  batches ${info.batches}  priority ${info.priority}${info.maxRate !== undefined ? `  max rate ${info.maxRate}/s` : ''}`,
  ];
  const d = info.delivery;
  if (c.sent > 0) {
    const rate = d.deliveryRate === null ? '-' : `${(d.deliveryRate * 100).toFixed(1)}%`;
    const cost = Object.entries(d.cost).map(([currency, sum]) => `${sum} ${currency}`).join(' + ') || '-';
    lines.push(`  delivered ${d.delivered}  undelivered ${d.undelivered}  pending report ${d.pending}  expired ${d.expired}  delivery rate ${rate}  cost ${cost}`);
  }
  const s = info.schedule;
  if (s) {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const parts = [s.sendAt !== undefined && `send at ${iso(s.sendAt)}`, s.window && `window ${s.window}${s.timezone ? ` (${s.timezone})` : ' (recipients\' local time)'}`, s.expireAt !== undefined && `valid until ${iso(s.expireAt)}`].filter(Boolean);
    lines.push(`  ${parts.join('  ')}`);
    if (s.waiting) lines.push(`  waiting for their window: ${s.waiting.batches} batch(es); the next window opens at ${iso(s.waiting.nextOpenAt)}`);
  }
  if (info.paused) lines.push(`  paused by ${info.paused.by}${info.paused.at !== undefined ? ` at ${new Date(info.paused.at).toISOString()}` : ''}: ${info.paused.reason}`);
  if (info.failure) lines.push(`  failure: ${info.failure.code} ${info.failure.reason}`);
  if (info.maxCost) lines.push(`  budget cap (maxCost) ${info.maxCost}`);
  if (info.state === 'running' && c.pending === 0 && c.unknown > 0) lines.push(`  settling ${c.unknown} unknown recipients from the gateway's records${info.settleError ? `; cannot yet: ${info.settleError}` : ''}`);
  return lines.join('\n');
}

export { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../shared/results-csv';
