/**
 * Message templates: `content` with `{{field}}` and `{{field|fallback}}` placeholders, filled from a recipient's
 * fields. Rendering is plain substitution — no expressions, no loops, no escaping (an SMS is not HTML) — so a
 * parser and a renderer of our own are enough, and nothing a recipient's data holds can ever run or expand.
 *
 * Syntax: `{{` opens a placeholder and `}}` closes it; inside, a field name (letters, digits, `_`, `-`, `.`,
 * starting with a letter or `_`, spaces around it ignored), then optionally `|` and a fallback used when the field
 * is missing or empty. A `{{` without its `}}`, an empty or odd name, or a `{{` inside a placeholder is an error
 * (so a typo never goes out as literal braces to a million phones). Single `{` and `}` are plain text.
 */

/** A parsed template: literal text and placeholders, alternating; `fields` lists each field name once, in order. */
export interface Template {
  /** The literal text around the placeholders: one more than `slots`, text before each slot and after the last. */
  readonly texts: readonly string[];
  readonly slots: ReadonlyArray<{ field: number; fallback?: string }>;
  /** Field names the template uses, in first-use order: a recipient's values are stored in this order. */
  readonly fields: readonly string[];
}

export type TemplateParse = { ok: true; template: Template } | { ok: false; reason: string };

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** True when the content holds a placeholder (or something that tries to be one): it must be parsed as a template. */
export function isTemplate(content: string): boolean {
  return content.includes('{{');
}

export function parseTemplate(content: string): TemplateParse {
  const texts: string[] = [];
  const slots: Array<{ field: number; fallback?: string }> = [];
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    const open = content.indexOf('{{', at);
    if (open === -1) break;
    const close = content.indexOf('}}', open + 2);
    if (close === -1) return { ok: false, reason: `placeholder at character ${open + 1} is not closed with }}` };
    const inner = content.slice(open + 2, close);
    if (inner.includes('{{')) return { ok: false, reason: `placeholder at character ${open + 1} is not closed with }} before the next {{` };
    const bar = inner.indexOf('|');
    const name = (bar === -1 ? inner : inner.slice(0, bar)).trim();
    if (!FIELD_NAME.test(name)) {
      return {
        ok: false,
        reason: `placeholder {{${inner}}} has no valid field name (letters, digits, _ . -, starting with a letter or _)`,
      };
    }
    let field = fields.indexOf(name);
    if (field === -1) field = fields.push(name) - 1;
    texts.push(content.slice(at, open));
    slots.push(bar === -1 ? { field } : { field, fallback: inner.slice(bar + 1) });
    at = close + 2;
  }
  texts.push(content.slice(at));
  return { ok: true, template: { texts, slots, fields } };
}

/**
 * The text for one recipient: `values[i]` is the value of `template.fields[i]` ('' when missing). Returns the
 * name of the first field that is missing without a fallback instead, as `{ missing }`.
 */
export function renderTemplate(template: Template, values: readonly string[]): string | { missing: string } {
  let out = template.texts[0];
  for (let i = 0; i < template.slots.length; i++) {
    const slot = template.slots[i];
    const value = values[slot.field] ?? '';
    if (value !== '') out += value;
    else if (slot.fallback !== undefined) out += slot.fallback;
    else return { missing: template.fields[slot.field] };
    out += template.texts[i + 1];
  }
  return out;
}

/** renderTemplate for stored values, which were checked when queued (so a missing field cannot occur; '' if it did). */
export function renderStored(template: Template, values: readonly string[] | undefined): string {
  const text = renderTemplate(template, values ?? []);
  return typeof text === 'string' ? text : '';
}

/** The fields a content's template uses; none for plain content or a template that does not parse. */
export function templateFields(content: string): string[] {
  if (!isTemplate(content)) return [];
  const parsed = parseTemplate(content);
  return parsed.ok ? [...parsed.template.fields] : [];
}

/** The fields a content's template uses at least once without a fallback: a recipient without one is refused. */
export function neededFields(content: string): string[] {
  if (!isTemplate(content)) return [];
  const parsed = parseTemplate(content);
  if (!parsed.ok) return [];
  const { slots, fields } = parsed.template;
  return fields.filter((_, i) => slots.some((slot) => slot.field === i && slot.fallback === undefined));
}

/**
 * `template` with its slots numbered by `fields` (another template's field order), so that values stored in that
 * order render it; null when it uses a field `fields` lacks. A/B variants share one set of stored values this way.
 */
export function onFields(template: Template, fields: readonly string[]): Template | null {
  const slots: Array<{ field: number; fallback?: string }> = [];
  for (const s of template.slots) {
    const at = fields.indexOf(template.fields[s.field]);
    if (at === -1) return null;
    slots.push(s.fallback === undefined ? { field: at } : { field: at, fallback: s.fallback });
  }
  return { texts: template.texts, slots, fields };
}
