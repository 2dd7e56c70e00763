/**
 * Texts already escaped as the inside of a JSON string, and templates that render straight into that form. A
 * personalised batch writes a thousand texts into one sendSms/batch body; escaping the template's literal parts
 * once, and each recipient's field values as they are filled in, costs a fraction of rendering every text and
 * then stringifying it, and allocates far less (which is most of what such a body costs a worker).
 */
import type { Template } from '../text/template';

/** The inside of a JSON string literal (no quotes): written into a body as it is. */
export type JsonText = string & { readonly __jsonText: true };

/**
 * Characters JSON.stringify writes as they are: anything but `"`, `\`, control characters and surrogates (a lone
 * surrogate is escaped; a pair is left for JSON.stringify to decide, which keeps the rule in one place).
 */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `s` escaped as JSON.stringify escapes it, without the quotes. */
export function jsonText(s: string): JsonText {
  return (PLAIN.test(s) ? s : JSON.stringify(s).slice(1, -1)) as JsonText;
}

/**
 * The template compiled to render each recipient's text as a JsonText. `render(values)` parses back (inside quotes)
 * to exactly `renderStored(template, values)`; like it, a stored recipient missing a field with no fallback (which
 * validation never lets through) renders as ''.
 */
export function compileJsonTemplate(template: Template): (values: readonly string[] | undefined) => JsonText {
  const literals = template.texts.map(jsonText);
  const slots = template.slots.map((s) => ({ field: s.field, fallback: s.fallback === undefined ? undefined : jsonText(s.fallback) }));
  return (values) => {
    let out: string = literals[0];
    for (let k = 0; k < slots.length; k++) {
      const value = values?.[slots[k].field] ?? '';
      if (value !== '') out += jsonText(value);
      else if (slots[k].fallback !== undefined) out += slots[k].fallback;
      else return '' as JsonText;
      out += literals[k + 1];
    }
    return out as JsonText;
  };
}
