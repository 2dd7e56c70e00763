/**
 * What a campaign's texts cost, counted as the producer validates them: encodings, segments, an estimated cost
 * per currency, and the characters that push texts into UCS-2. Fed one accepted recipient at a time; memory
 * stays small whatever the campaign's size (a few counters per currency and per set of such characters).
 */
import { measureText, type TextMeasure } from '../shared/text/encoding';
import { formatMicros } from '../shared/delivery/money';
import type { Pricer } from './pricing';

export interface TextSummary {
  encodings: { 'GSM-7': number; 'UCS-2': number };
  /** Segments of every accepted recipient's text: what the gateway bills. */
  segments: number;
  /** Estimated cost per currency (decimal strings), from `priceSource`; empty when no price is known. */
  cost: Record<string, string>;
  priceSource: string;
  /** Recipients no price was found for (a prices file without their country). */
  unpriced: number;
  /** One line per set of characters that made texts UCS-2, worst first. */
  warnings: string[];
}

/** Past this many distinct characters a text is in another script, not spoilt by a stray character: no warning. */
const FEW = 4;
const MAX_WARNINGS = 5;

export class TextStats {
  private readonly encodings = { 'GSM-7': 0, 'UCS-2': 0 };
  private segments = 0;
  private unpriced = 0;
  private readonly costMicros = new Map<string, number>();
  /** Characters forcing UCS-2 (joined) → rows, their segments, and their segments were those characters GSM-7. */
  private readonly forced = new Map<string, { rows: number; segments: number; ifGsm: number }>();
  private lastText: string | undefined;
  private lastMeasure: TextMeasure | undefined;

  constructor(private readonly pricer: Pricer) {}

  add(number: string, text: string): void {
    // A campaign without a template has one text: measure it once, not a million times.
    const m = text === this.lastText && this.lastMeasure !== undefined ? this.lastMeasure : measureText(text);
    this.lastText = text;
    this.lastMeasure = m;
    this.encodings[m.encoding]++;
    this.segments += m.segments;
    const price = this.pricer.price(number);
    if (price === null) this.unpriced++;
    else this.costMicros.set(price.currency, (this.costMicros.get(price.currency) ?? 0) + price.micros * m.segments);
    if (m.encoding === 'UCS-2' && m.nonGsm.length <= FEW && m.segments > m.segmentsIfGsm) {
      const key = m.nonGsm.join('');
      const f = this.forced.get(key) ?? { rows: 0, segments: 0, ifGsm: 0 };
      f.rows++;
      f.segments += m.segments;
      f.ifGsm += m.segmentsIfGsm;
      this.forced.set(key, f);
    }
  }

  summary(): TextSummary {
    const cost: Record<string, string> = {};
    for (const [currency, micros] of this.costMicros) cost[currency] = formatMicros(micros);
    const warnings = [...this.forced.entries()]
      .sort((a, b) => b[1].segments - b[1].ifGsm - (a[1].segments - a[1].ifGsm))
      .slice(0, MAX_WARNINGS)
      .map(([chars, f]) => ucs2Warning(chars, f));
    return {
      encodings: { ...this.encodings },
      segments: this.segments,
      cost,
      priceSource: this.pricer.source,
      unpriced: this.unpriced,
      warnings,
    };
  }
}

/** "’ on 41,200 rows makes them UCS-2: 2 segments instead of 1" (or totals, when the rows differ in length). */
function ucs2Warning(chars: string, f: { rows: number; segments: number; ifGsm: number }): string {
  const shown = [...chars]
    .map((c) => (/\s|\p{C}/u.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : c))
    .join(' ');
  const n = (x: number) => x.toLocaleString('en-US');
  const each = f.segments % f.rows === 0 && f.ifGsm % f.rows === 0;
  const cost = each
    ? `${n(f.segments / f.rows)} segment${f.segments === f.rows ? '' : 's'} instead of ${n(f.ifGsm / f.rows)}`
    : `${n(f.segments)} segments in all instead of ${n(f.ifGsm)}`;
  return `${shown} on ${n(f.rows)} row${f.rows === 1 ? '' : 's'} makes ${f.rows === 1 ? 'it' : 'them'} UCS-2: ${cost}`;
}
