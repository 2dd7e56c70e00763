/**
 * Checks on what a caller gives the producer: the campaign's fields and each recipient. Pure functions, no I/O.
 * Each check returns the reason as a short sentence a user can act on, or null when the value is fine.
 */
import { ownerOf } from '../shared/tenants/campaign-owner';
import { TENANT_PATTERN, TENANT_RULE } from '../shared/tenants/api-key';
import { isZone } from '../shared/schedule/send-window';
import { renderTemplate, type Template } from '../shared/text/template';
import { variantName } from '../shared/campaign/variants';
import type { Recipient } from '../shared/types';
import { GENERATED_ORDER_ID_PREFIX } from '../shared/recipient/codec';
import { NumberSet, numberKey } from './number-set';
import { OrderIdSet } from './order-id-set';

/** One row the producer skips as invalid, as shown to the user. */
export interface RowProblem {
  /** Where the recipient was: the 1-based line of the file, or the 1-based position in a list. */
  row: number;
  /**
   * The field at fault: `number`, `orderId`, `timezone`, `fields.NAME` (a template field), `text` (the rendered
   * text), or the unknown field's own name; absent when the row as a whole is at fault (not JSON, wrong columns).
   */
  field?: string;
  /** The offending value as given (the field at fault, or the whole row), cut to about 100 characters. */
  value: string;
  reason: string;
}

const SHOWN_LENGTH = 100;

export function rowProblem(row: number, value: unknown, reason: string, field?: string): RowProblem {
  return field === undefined ? { row, value: shorten(show(value)), reason } : { row, field, value: shorten(show(value)), reason };
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value); // a cycle or a BigInt: the type is all we can show
  }
}

function shorten(s: string): string {
  if (s.length <= SHOWN_LENGTH) return s;
  // Cut between code units, but never inside a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(s[SHOWN_LENGTH - 1]) ? SHOWN_LENGTH - 1 : SHOWN_LENGTH;
  return `${s.slice(0, end)}…`;
}

/**
 * Length in Unicode code points, the unit of every length limit here: an emoji counts 1, but an accent written as
 * a separate combining mark (e + U+0301) counts as its own code point, so "é" may count 1 or 2 as typed.
 */
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Control characters, C0, DEL and C1: invisible, and a newline would break the stored newline-separated lists. */
const CONTROL = /\p{Cc}/u;

import { normalizeNumber } from '../shared/recipient/phone-number';

export { normalizeNumber, type NormalizedNumber } from '../shared/recipient/phone-number';

export const CONTENT_MAX_LENGTH = 1024;
export const SENDER_ID_MAX_LENGTH = 32;
export const ORDER_ID_MAX_LENGTH = 64;

/**
 * What no text may hold: control characters other than tab, newline and carriage return (NUL, ESC and the like
 * reach a phone as garbage or nothing), U+FFFD (what a decoder puts where its input was not valid UTF-8: the
 * file's encoding is wrong, and sending it would replace the caller's letters with question marks), and lone
 * surrogates (half an emoji: not a character, and not encodable for the gateway).
 */
const UNSENDABLE = /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be sent, naming the first bad character by its code point; null when it can. */
export function checkTextCharacters(text: string, what: string): string | null {
  const m = UNSENDABLE.exec(text);
  if (!m) return null;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (m[0] === '\uFFFD')
    return `${what} has ${code} at character ${m.index + 1}, the mark of input that was not valid UTF-8: save the file as UTF-8`;
  if (m[0].length === 1 && m[0] >= '\uD800' && m[0] <= '\uDFFF')
    return `${what} has a lone surrogate (${code}) at character ${m.index + 1}, half of a character`;
  return `${what} has the control character ${code} at character ${m.index + 1}; only tab, newline and carriage return are allowed`;
}

/** The message text: a non-blank string of at most 1024 code points (see {@link codePointLength}) of sendable characters. */
export function checkContent(content: unknown, what = 'content'): string | null {
  if (typeof content !== 'string') return `${what} must be a string`;
  if (content.trim() === '') return `${what} is empty`;
  const length = codePointLength(content);
  if (length > CONTENT_MAX_LENGTH) {
    return `${what} has ${length} characters; the limit is ${CONTENT_MAX_LENGTH}`;
  }
  return checkTextCharacters(content, what);
}

/** Highest per-campaign cap accepted: far above any gateway's rate, so a typo is caught rather than obeyed. */
export const MAX_RATE_LIMIT = 1_000_000;
/**
 * Lowest: a batch of 1,000 waits 1000 / maxRate seconds for its turn, so below 0.01 (a batch a day) a campaign
 * would not finish within its retention, and near 0 the wait is no longer a number the queue can delay by.
 */
export const MIN_RATE_LIMIT = 0.01;

/** A campaign's own cap, in recipients per second. */
export function checkMaxRate(maxRate: unknown): string | null {
  if (typeof maxRate !== 'number' || !Number.isFinite(maxRate) || maxRate < MIN_RATE_LIMIT || maxRate > MAX_RATE_LIMIT) {
    return `maxRate must be a number of recipients per second from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT}; it is ${show(maxRate)}`;
  }
  return null;
}

/** Optional (`undefined` means the configured default); when given, 1 to 32 code points, no control characters. */

export function checkSenderId(senderId: unknown): string | null {
  if (senderId === undefined) return null;
  if (typeof senderId !== 'string') return 'senderId must be a string';
  if (senderId === '') return 'senderId is empty';
  const length = codePointLength(senderId);
  if (length > SENDER_ID_MAX_LENGTH) {
    return `senderId has ${length} characters; the limit is ${SENDER_ID_MAX_LENGTH}`;
  }
  if (CONTROL.test(senderId)) return 'senderId must not contain control characters such as newlines or tabs';
  return null;
}

/** The orderId of a recipient given without one: unique in the campaign because rows are. */
export function generatedOrderId(row: number): string {
  return `${GENERATED_ORDER_ID_PREFIX}${row}`;
}

/**
 * A caller's orderId. Commas and control characters are refused because orderIds are joined with commas in the
 * gateway call and stored newline-separated.
 */
export function checkOrderId(orderId: string): string | null {
  // Most orderIds are short printable ASCII: of all the checks only the reserved prefix can refuse them.
  return orderId.length <= ORDER_ID_MAX_LENGTH && isPlainAscii(orderId) ? reservedPrefix(orderId) : checkOrderIdFully(orderId);
}

/** Every check of an orderId, whatever it holds: what `checkOrderId` answers (the tests compare the two). */
export function checkOrderIdFully(orderId: string): string | null {
  if (orderId.trim() === '') return 'orderId is empty';
  const length = codePointLength(orderId);
  if (length > ORDER_ID_MAX_LENGTH) return `orderId has ${length} characters; the limit is ${ORDER_ID_MAX_LENGTH}`;
  if (orderId.includes(',')) return 'orderId must not contain a comma (orderIds are sent comma-separated)';
  if (CONTROL.test(orderId)) return 'orderId must not contain control characters such as newlines or tabs';
  const characters = checkTextCharacters(orderId, 'orderId');
  if (characters !== null) return characters;
  return reservedPrefix(orderId);
}

function reservedPrefix(orderId: string): string | null {
  return orderId.startsWith(GENERATED_ORDER_ID_PREFIX)
    ? `orderIds starting with '${GENERATED_ORDER_ID_PREFIX}' are reserved for generated orderIds`
    : null;
}

/** Not empty, and only `!` to `~` but the comma: no white space, no control or non-ASCII character, one code point each. */
function isPlainAscii(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2c) return false;
  }
  return true;
}

/**
 * 1 to 64 of `A-Z a-z 0-9 _ . -`, so it fits in Redis keys and BullMQ job ids without escaping; or a tenant's
 * campaign as stored, `<tenant>~<campaignId>` (tenants/campaign-owner.ts), which an admin may name too.
 */
export function checkCampaignId(id: unknown): string | null {
  if (typeof id !== 'string') return 'campaignId must be a string';
  const owner = ownerOf(id);
  if (owner.tenant !== undefined) {
    if (!TENANT_PATTERN.test(owner.tenant)) return `campaignId "${id}" names the tenant "${owner.tenant}": ${TENANT_RULE}`;
    return checkCampaignId(owner.campaignId);
  }
  if (id === '') return 'campaignId is empty';
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) return "campaignId may only contain letters, digits, '_', '.' and '-'";
  if (id.length > 64) return `campaignId has ${id.length} characters; the limit is 64`;
  // `.` and `..` are path segments: the console's and the API's URLs could never name such a campaign.
  if (/^\.+$/.test(id)) return `campaignId "${id}" is only dots; it needs a letter, digit, '_' or '-'`;
  return null;
}

export type RecipientCheck =
  /**
   * `text` is the recipient's rendered text for a template, else the campaign's content; with A/B variants, `texts`
   * holds each variant's (the first is `text`).
   */
  | { kind: 'ok'; recipient: Recipient; text: string; texts?: string[] }
  /** The number is already in the campaign: the row is skipped and counted, not an error. */
  | { kind: 'duplicate'; number: string }
  | { kind: 'invalid'; problem: RowProblem };

export interface RecipientValidatorOptions {
  /**
   * Skip a recipient whose number is already in the campaign.
   * @defaultValue true
   */
  dedupe?: boolean;
  /** The campaign's content parsed as a template: each recipient's fields must fill it. */
  template?: Template;
  /** The campaign's content, for recipients of a campaign without a template. */
  content?: string;
  /**
   * A/B variants as templates over their shared fields (`template` is the first): each recipient's fields must fill
   * every one of them, since a canary recipient may get any and the others the winner.
   */
  variants?: readonly Template[];
  /** Applied to each field value as it is read (smart encoding); the identity when not given. */
  prepare?: (text: string) => string;
  /**
   * Render each recipient's text and check it (a missing field, a text too long); `text` is '' when false.
   * @defaultValue true
   */
  renderTexts?: boolean;
}

/**
 * Checks the recipients of one campaign in order, remembering what it needs to find duplicates. Memory stays small
 * for millions of rows: a number is kept as one double, and only orderIds the caller gave are kept (generated
 * ones are unique by construction).
 */
export class RecipientValidator {
  private readonly dedupe: boolean;
  /** The accepted numbers, by `numberKey`. */
  private readonly numbers = new NumberSet();
  /** Caller-given orderIds, each with the row that used it first. */
  private readonly orderIds = new OrderIdSet();
  private readonly counts = { accepted: 0, duplicates: 0, invalid: 0 };
  private readonly template?: Template;
  private readonly variants?: readonly Template[];
  private readonly content: string;
  private readonly prepare: (text: string) => string;
  private readonly renderTexts: boolean;

  constructor(opts: RecipientValidatorOptions = {}) {
    this.dedupe = opts.dedupe ?? true;
    this.template = opts.template;
    this.variants = opts.variants;
    this.content = opts.content ?? '';
    this.prepare = opts.prepare ?? ((t) => t);
    this.renderTexts = opts.renderTexts ?? true;
  }

  get accepted(): number {
    return this.counts.accepted;
  }
  get duplicates(): number {
    return this.counts.duplicates;
  }
  get invalid(): number {
    return this.counts.invalid;
  }

  /** `row` is 1-based and distinct for each call: it names the row in problems and in generated orderIds. */
  check(row: number, input: unknown): RecipientCheck {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return this.refuse(row, input, 'a recipient must be an object with a number and an optional orderId');
    }
    const fields = input as Record<string, unknown>;
    let unknown: string | undefined;
    // for…in, not Object.keys().find(): this runs for every row of a file of millions.
    for (const key in fields) {
      if (key !== 'number' && key !== 'orderId' && key !== 'fields' && key !== 'timezone') {
        unknown = key;
        break;
      }
    }
    if (unknown !== undefined) {
      return this.refuse(
        row,
        input,
        `unknown field '${shorten(unknown)}'; a recipient has only number, orderId, fields and timezone`,
        shorten(unknown),
      );
    }
    const zone = fields.timezone;
    if (zone !== undefined && (typeof zone !== 'string' || !isZone(zone))) {
      return this.refuse(row, zone, 'timezone is not an IANA time zone such as America/Denver or Europe/Berlin', 'timezone');
    }
    const { number: rawNumber, orderId: rawOrderId } = fields;
    if (rawNumber === undefined) return this.refuse(row, input, 'number is missing', 'number');
    if (typeof rawNumber !== 'string') {
      return this.refuse(row, input, 'number must be a string (in JSON, put it in quotes to keep leading zeros)', 'number');
    }
    const normalized = normalizeNumber(rawNumber);
    if (!normalized.ok) return this.refuse(row, rawNumber, normalized.reason, 'number');

    let orderId: string;
    if (rawOrderId === undefined) {
      orderId = generatedOrderId(row);
    } else {
      if (typeof rawOrderId !== 'string') return this.refuse(row, input, 'orderId must be a string', 'orderId');
      const reason = checkOrderId(rawOrderId);
      if (reason !== null) return this.refuse(row, rawOrderId, reason, 'orderId');
      // Kept even when the number turns out a duplicate: the caller used this orderId, a second use is an error.
      const firstRow = this.orderIds.claim(rawOrderId, row);
      if (firstRow !== -1) {
        return this.refuse(row, rawOrderId, `orderId ${rawOrderId} is already used on row ${firstRow}`, 'orderId');
      }
      orderId = rawOrderId;
    }

    let values: string[] | undefined;
    let text = this.content;
    let texts: string[] | undefined;
    if (this.template) {
      const filled = this.fill(this.template, fields.fields);
      if ('problem' in filled) return this.refuse(row, filled.problem.value, filled.problem.reason, filled.problem.field);
      ({ values, text } = filled);
      if (this.variants && this.renderTexts) {
        texts = [text];
        for (let k = 1; k < this.variants.length; k++) {
          const other = this.render(this.variants[k], values, ` (variant ${variantName(k)})`);
          if (typeof other !== 'string') return this.refuse(row, other.value, other.reason, other.field);
          texts.push(other);
        }
      }
    }

    if (this.dedupe) {
      if (!this.numbers.add(numberKey(normalized.number))) {
        this.counts.duplicates++;
        return { kind: 'duplicate', number: normalized.number };
      }
    }
    this.counts.accepted++;
    const recipient: Recipient = values ? { number: normalized.number, orderId, values } : { number: normalized.number, orderId };
    if (typeof zone === 'string') recipient.zone = zone;
    return texts ? { kind: 'ok', recipient, text, texts } : { kind: 'ok', recipient, text };
  }

  /** The template's field values of one recipient and its rendered text, or why they do not make a valid text. */
  private fill(
    template: Template,
    raw: unknown,
  ): { values: string[]; text: string } | { problem: { value: unknown; reason: string; field: string } } {
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
      return { problem: { value: raw, reason: 'fields must be an object of field names and values', field: 'fields' } };
    }
    const given = (raw ?? {}) as Record<string, unknown>;
    const values: string[] = [];
    for (const name of template.fields) {
      const v = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : undefined;
      if (v === undefined || v === null) values.push('');
      else if (typeof v === 'string') {
        const reason = checkTextCharacters(v, `field '${name}'`);
        if (reason !== null) return { problem: { value: v, reason, field: `fields.${name}` } };
        values.push(this.prepare(v));
      } else if (typeof v === 'number' && Number.isFinite(v)) values.push(String(v));
      else return { problem: { value: v, reason: `field '${name}' must be text or a number`, field: `fields.${name}` } };
    }
    if (!this.renderTexts) return { values, text: '' };
    const text = this.render(template, values, this.variants ? ` (variant ${variantName(0)})` : '');
    return typeof text === 'string' ? { values, text } : { problem: text };
  }

  /** One template rendered with a recipient's values and checked; `which` names the variant in reasons. */
  private render(template: Template, values: readonly string[], which: string): string | { value: unknown; reason: string; field: string } {
    const text = renderTemplate(template, values);
    if (typeof text !== 'string') {
      return {
        value: text.missing,
        reason: `field '${text.missing}' is missing or empty, and the content${which} uses {{${text.missing}}} without a fallback`,
        field: `fields.${text.missing}`,
      };
    }
    const reason = checkContent(text, `text for this recipient${which}`);
    return reason === null ? text : { value: text, reason, field: 'text' };
  }

  private refuse(row: number, value: unknown, reason: string, field?: string): RecipientCheck {
    this.counts.invalid++;
    return { kind: 'invalid', problem: rowProblem(row, value, reason, field) };
  }
}
