/**
 * A/B variants: two to five texts tried on a campaign's canary, split evenly over it; when the canary is judged, the
 * text that did best by the campaign's measure (`winnerBy`) is the one its other recipients get. Ties go to the
 * earlier text.
 *
 * - **Which recipient gets which text**: in a canary batch `b`, the recipient at index `i` gets text
 *   `(b + i) % count` — a pure function, so a re-run, the results and a trace all agree without storing it, and each
 *   text gets within one recipient per canary batch of an even share. A recipient outside the canary gets the winner.
 * - **Fields**: the texts share one set of stored field values: the fields of all of them, in first-use order (the
 *   first text's first). Each text is rendered from those values (template.ts's `onFields`).
 * - **Measures**: `delivered` (delivery reports received by the end of the hold, among the sent), `clicks` (recipients
 *   who followed a tracked link, among the sent) and `replies` (recipients who replied, among the sent; replies are
 *   attributed with SMS_CONTACT_HISTORY).
 */
import { onFields, parseTemplate, type Template } from '../text/template';

export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 5;
export const WINNER_MEASURES = ['delivered', 'clicks', 'replies'] as const;
export type WinnerBy = (typeof WINNER_MEASURES)[number];
export const DEFAULT_WINNER_BY: WinnerBy = 'delivered';

/** What the campaign hash keeps (`variants`, JSON): the texts as they were checked, and the measure. */
export interface VariantPlan {
  texts: string[];
  winnerBy: WinnerBy;
}

/** What one text did on its share of the canary. */
export interface VariantFigures {
  /** Canary recipients given this text. */
  recipients: number;
  /** Those a call went to (sent, failed, unknown, not-sent). */
  called: number;
  sent: number;
  failed: number;
  delivered: number;
  /** Recipients who followed one of its tracked links at least once. */
  clickers: number;
  /** Recipients who replied. */
  replies: number;
  /** delivered / sent, clickers / sent, replies / sent; null when nothing was sent. */
  deliveredRate: number | null;
  clickRate: number | null;
  replyRate: number | null;
}

/** The text a canary recipient gets: see the module's comment. */
export function variantOf(batch: number, index: number, count: number): number {
  return (batch + index) % count;
}

/**
 * The text the recipient at `index` of `batch` gets: its own in a canary batch, the winner's elsewhere once judged
 * (undefined before, and for a campaign without variants).
 */
export function recipientVariant(
  campaign: { variants?: { templates: readonly unknown[]; winner?: number }; canary?: { plan: { firstBatch: number } } },
  batch: number,
  index: number,
): number | undefined {
  const { variants, canary } = campaign;
  if (!variants) return undefined;
  return canary && batch >= canary.plan.firstBatch ? variantOf(batch, index, variants.templates.length) : variants.winner;
}

/** The fields of all the texts, each once, in first-use order. */
export function variantFields(texts: readonly string[]): string[] {
  const fields: string[] = [];
  for (const text of texts) {
    const parsed = parseTemplate(text);
    if (parsed.ok) for (const f of parsed.template.fields) if (!fields.includes(f)) fields.push(f);
  }
  return fields;
}

/** Each text as a template over the shared fields; null when one does not parse (checked at the edge, so only a damaged record). */
export function variantTemplates(texts: readonly string[]): Template[] | null {
  const fields = variantFields(texts);
  const out: Template[] = [];
  for (const text of texts) {
    const parsed = parseTemplate(text);
    const t = parsed.ok ? onFields(parsed.template, fields) : null;
    if (!t) return null;
    out.push(t);
  }
  return out;
}

const rate = (n: number, base: number): number | null => (base > 0 ? n / base : null);

export function variantFigures(counts: Omit<VariantFigures, 'deliveredRate' | 'clickRate' | 'replyRate'>): VariantFigures {
  return {
    ...counts,
    deliveredRate: rate(counts.delivered, counts.sent),
    clickRate: rate(counts.clickers, counts.sent),
    replyRate: rate(counts.replies, counts.sent),
  };
}

const MEASURE: Record<WinnerBy, (f: VariantFigures) => number | null> = {
  delivered: (f) => f.deliveredRate,
  clicks: (f) => f.clickRate,
  replies: (f) => f.replyRate,
};

/** The winning text's index: the best rate by `by`; a text with nothing sent counts as 0; ties go to the earlier. */
export function pickWinner(figures: readonly VariantFigures[], by: WinnerBy): number {
  let best = 0;
  for (let k = 1; k < figures.length; k++) if ((MEASURE[by](figures[k]) ?? 0) > (MEASURE[by](figures[best]) ?? 0)) best = k;
  return best;
}

/** "A", "B", …: how a text is named to people. */
export function variantName(k: number): string {
  return String.fromCharCode(65 + k);
}

/** The stored plan read back; undefined when absent or damaged (the campaign then sends as if it had no variants). */
export function parseVariantPlan(raw: string | undefined): VariantPlan | undefined {
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as Partial<VariantPlan>;
    if (!Array.isArray(p.texts) || p.texts.length < MIN_VARIANTS || p.texts.length > MAX_VARIANTS) return undefined;
    if (!p.texts.every((t) => typeof t === 'string')) return undefined;
    if (!WINNER_MEASURES.includes(p.winnerBy as WinnerBy)) return undefined;
    return { texts: p.texts, winnerBy: p.winnerBy as WinnerBy };
  } catch {
    return undefined;
  }
}

export function parseVariantFigures(raw: string | undefined, count: number): VariantFigures[] | undefined {
  if (!raw) return undefined;
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list) || list.length !== count) return undefined;
    return list.map((item) => {
      const f = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const n = (k: string) => (typeof f[k] === 'number' && Number.isSafeInteger(f[k]) && f[k] >= 0 ? f[k] : 0);
      return variantFigures({
        recipients: n('recipients'),
        called: n('called'),
        sent: n('sent'),
        failed: n('failed'),
        delivered: n('delivered'),
        clickers: n('clickers'),
        replies: n('replies'),
      });
    });
  } catch {
    return undefined;
  }
}
