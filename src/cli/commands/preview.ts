import type { PreviewResult } from '../../producer';
import { parse } from '../args';
import { shortText } from '../format';
import { CAMPAIGN_OPTIONS, campaignFromArgs, listProblems } from '../campaign-input';
import { withProducer } from '../open-producer';
import { out, say } from '../output';

/**
 * `smsq preview FILE|- --content TEXT [--json] ...`: what `smsq enqueue` with the same arguments would queue,
 * its segments and estimated cost, and a few rendered texts; queues nothing. Exit 1 when the enqueue would be
 * refused (bad rows, no recipient, over --max-cost).
 */
export default async function previewCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...CAMPAIGN_OPTIONS, json: { type: 'boolean' } },
    { min: 1, max: 1, names: 'a recipients file, or - for stdin' },
  );
  const campaign = await campaignFromArgs(positionals[0], values);
  const p = await withProducer((smsq) => smsq.previewCampaign(campaign));
  if (values.json) await out(`${JSON.stringify(p, null, 2)}\n`);
  else {
    await out(`${formatPreview(p)}\n`);
    listProblems(p.invalidRows, p.invalidCount, 'invalid');
  }
  if (p.refusal) say(`smsq preview: an enqueue would be refused: ${p.refusal.message} [${p.refusal.code}]\n`);
  return p.refusal ? 1 : 0;
}

function formatPreview(p: PreviewResult): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const money = (c: Record<string, string>) =>
    Object.entries(c)
      .map(([currency, amount]) => `${amount} ${currency}`)
      .join(' + ') || 'unknown';
  const cost = money(p.estimatedCost);
  const lines = [
    `recipients      ${n(p.recipients)} in ${n(p.batches)} batches`,
    `invalid rows    ${n(p.invalidCount)}`,
    `duplicates      ${n(p.duplicatesSkipped)} skipped`,
    `suppressed      ${n(p.suppressed)} on the suppression list`,
    `encodings       GSM-7 ${n(p.encodings['GSM-7'])}, UCS-2 ${n(p.encodings['UCS-2'])}`,
    `segments        ${n(p.segments)}`,
    `estimated cost  ${cost} (prices: ${p.priceSource}${p.unpriced > 0 ? `; ${n(p.unpriced)} recipients without a price` : ''})`,
  ];
  // A/B variants: each priced as if every recipient got it; the lines above are the costliest's.
  if (p.variants) {
    lines.push(`variants        ${p.variants.length}, each as if every recipient got it (the segments and cost above are the costliest's)`);
    for (const v of p.variants)
      lines.push(
        `  ${v.variant}  ${n(v.segments)} segments (GSM-7 ${n(v.encodings['GSM-7'])}, UCS-2 ${n(v.encodings['UCS-2'])}), cost ${money(v.estimatedCost)}: ${shortText(v.content, 60)}`,
      );
  }
  const accounts = Object.entries(p.byAccount);
  // Said only when there is a choice: with one account, every recipient goes to it.
  if (accounts.length > 1 || p.noRoute.count > 0)
    lines.push(`accounts        ${accounts.map(([name, count]) => `${name} ${n(count)}`).join(', ') || 'none'} (tried first)`);
  if (p.noRoute.count > 0) lines.push(`no route        ${n(p.noRoute.count)} (they would end failed NO_ROUTE; see the warning below)`);
  if (p.samples.length > 0) {
    lines.push('samples');
    for (const s of p.samples) lines.push(`  ${s.number} (${s.orderId}): ${s.text}`);
  }
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
