/** A campaign's A/B variants checked at the edge: the texts, and the measure that picks the winner. */
import type { Config } from '../shared/config';
import {
  DEFAULT_WINNER_BY,
  MAX_VARIANTS,
  MIN_VARIANTS,
  variantName,
  variantTemplates,
  WINNER_MEASURES,
  type WinnerBy,
} from '../shared/campaign/variants';
import { parseTemplate, type Template } from '../shared/text/template';
import { checkContent } from './validate';

/** What a campaign may ask of variants (EnqueueOptions' fields). */
export interface VariantOptions {
  /**
   * Two to five texts (templates or not) tried on the canary, split evenly over it; the best by `winnerBy` is sent to
   * the rest. Given instead of `content`. Needs a canary.
   */
  variants?: string[];
  /** How the winner is chosen: `delivered` (rate of delivery reports, the default), `clicks` (needs trackLinks), `replies` (needs SMS_CONTACT_HISTORY). */
  winnerBy?: WinnerBy;
}

/** The variants as checked: their texts (smart-encoded like content), as templates over their shared fields. */
export interface CheckedVariants {
  texts: string[];
  templates: Template[];
  winnerBy: WinnerBy;
}

/**
 * The variants, or the problems of their fields (field → reason). `prepare` is what content gets (smart encoding);
 * `content`, `canary` and `trackLinks` are what else the campaign asks, which variants depend on.
 */
export function checkVariantOptions(
  opts: VariantOptions & { content?: unknown; canary?: unknown; trackLinks?: unknown },
  config: Pick<Config, 'optOut'>,
  prepare: (text: string) => string,
): { variants?: CheckedVariants; problems: Array<[string, string]> } {
  const problems: Array<[string, string]> = [];
  if (opts.variants === undefined) {
    if (opts.winnerBy !== undefined) problems.push(['winnerBy', 'needs variants (two to five texts) to choose among']);
    return { problems };
  }
  const raw = opts.variants as unknown;
  if (!Array.isArray(raw) || raw.length < MIN_VARIANTS || raw.length > MAX_VARIANTS) {
    problems.push(['variants', `must be a list of ${MIN_VARIANTS} to ${MAX_VARIANTS} texts`]);
    return { problems };
  }
  const texts = raw.map((t) => (typeof t === 'string' ? prepare(t) : t)) as unknown[];
  texts.forEach((t, k) => {
    const why = checkContent(t) ?? (typeof t === 'string' ? parseProblem(t) : null);
    if (why) problems.push([`variants[${k}]`, `variant ${variantName(k)}: ${why}`]);
  });
  if (new Set(texts).size !== texts.length) problems.push(['variants', 'two variants are the same text']);
  if (opts.content !== undefined) problems.push(['content', 'give content or variants, not both (variant A is the first text)']);
  if (opts.canary === undefined)
    problems.push(['variants', 'are tried on a canary: set canary (a count or a share of the list) to split them over']);
  const winnerBy = opts.winnerBy ?? DEFAULT_WINNER_BY;
  if (!WINNER_MEASURES.includes(winnerBy)) problems.push(['winnerBy', `must be one of ${WINNER_MEASURES.join(', ')}`]);
  else if (winnerBy === 'clicks' && opts.trackLinks !== true)
    problems.push(['winnerBy', 'clicks needs trackLinks: clicks are counted on tracked links']);
  else if (winnerBy === 'replies' && !config.optOut.contactHistory)
    problems.push([
      'winnerBy',
      'replies needs SMS_CONTACT_HISTORY=true: replies are attributed to the campaign that last sent to their number',
    ]);
  if (problems.length > 0) return { problems };
  const strings = texts as string[];
  const templates = variantTemplates(strings);
  if (!templates) return { problems: [['variants', 'a variant is not a valid template']] };
  return { variants: { texts: strings, templates, winnerBy }, problems };
}

function parseProblem(text: string): string | null {
  const parsed = parseTemplate(text);
  return parsed.ok ? null : parsed.reason;
}
