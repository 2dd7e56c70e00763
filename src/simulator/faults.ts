import { GATEWAY_DECIMALS } from '../shared/delivery/money';

/**
 * How the simulator misbehaves. Rates are probabilities from 0 to 1, rolled per call (refuseRate and the
 * report rates per number);
 * 0 and 1 make a fault deterministic, which is what tests use.
 */
export interface Faults {
  /** A call answers `{"status":"-18"}` and accepts nothing. @defaultValue 0 */
  transientRate: number;
  /** Added before answering every sendSms call. @defaultValue 0 */
  latencyMs: number;
  /** Uniform extra delay from 0 to this many ms. @defaultValue 0 */
  latencyJitterMs: number;
  /**
   * Messages the account can still pay for. A call with more numbers than this answers -10 and accepts nothing;
   * accepted messages decrease it. In JSON (control routes) `null` stands for Infinity. @defaultValue Infinity
   */
  balance: number;
  /** Per number: the call answers "0" but leaves the number out of `array` and counts it in `fail`. @defaultValue 0 */
  refuseRate: number;
  /** Numbers always left out of `array` like refuseRate's. @defaultValue [] */
  refuseNumbers: string[];
  /** Numbers that make the whole call answer -9 (as does any number not matching /^\d{6,15}$/). @defaultValue [] */
  abnormalNumbers: string[];
  /** Content containing one of these (case-insensitive) answers -3. @defaultValue [] */
  sensitiveWords: string[];
  /** Every authenticated sendSms call answers this status and accepts nothing. @defaultValue null */
  forceStatus: string | null;
  /** Accept the messages, then never answer: the client times out not knowing. @defaultValue 0 */
  hangRate: number;
  /** Accept the messages, then destroy the socket without answering. @defaultValue 0 */
  resetRate: number;
  /** Accept the messages, then answer HTTP 200 with an HTML page instead of JSON. @defaultValue 0 */
  garbageRate: number;
  /** Accept nothing, answer HTTP 500 with an HTML error page. @defaultValue 0 */
  http500Rate: number;
  /** Accept nothing, answer HTTP 429. @defaultValue 0 */
  http429Rate: number;
  /** The simulator's clock offset, used only for the Timestamp check. @defaultValue 0 */
  clockSkewSeconds: number;
  /** A Timestamp further than this from the simulator's clock answers -16. @defaultValue 1800 */
  maxTimestampDriftSeconds: number;
  /**
   * Every authenticated getReport, getSentRcd and getBalance call answers this status (e.g. "-15", queried too
   * often); forceStatus applies to them too when this is null. @defaultValue null
   */
  queryStatus: string | null;
  /** A getReport, getSentRcd, getBalance or recordMo call answers `-18` and nothing else (sendSms is unaffected). @defaultValue 0 */
  queryTransientRate: number;
  /**
   * Where delivery reports are POSTed (pushSmsReport), read when each report is due; null withholds due reports
   * (counted in stats.reportsWithheld). @defaultValue null
   */
  reportUrl: string | null;
  /** Where injected replies are POSTed at once, one reply per POST (recordMo's fields); null: none pushed. @defaultValue null */
  replyUrl: string | null;
  /** A message's final status is known, and its report due, this long after acceptance. @defaultValue 1000 */
  reportDelayMs: number;
  /** Uniform extra delay from 0 to this many ms per message, which puts reports out of order. @defaultValue 2000 */
  reportDelayJitterMs: number;
  /** Per message: its report is pushed twice, the second copy 100–600 ms after the first. @defaultValue 0 */
  reportDuplicateRate: number;
  /** Per message: its report is never pushed, though getReport knows the final status. @defaultValue 0 */
  reportLossRate: number;
  /** Per message: the final status is 1 (failed) with a reason such as "UNDELIV" or "EXPIRED". @defaultValue 0 */
  undeliveredRate: number;
  /**
   * Per number: its messages fail (status 1) with this reason instead, whatever undeliveredRate says, e.g.
   * `{"447700900001": "UNKNOWN_SUBSCRIBER"}`; at most 1,000 numbers, reasons of 1 to 64 characters. @defaultValue {}
   */
  undeliveredReasons: Record<string, string>;
  /**
   * Per text: a message whose text contains one of these strings fails at that rate instead of undeliveredRate
   * (the first that matches), e.g. `{"bit.ly": 0.3}` for a text carriers filter; at most 20 strings of 1 to 200
   * characters. @defaultValue {}
   */
  undeliveredRateByText: Record<string, number>;
  /** Price of one segment, a multiple of 0.0001; the balance is still kept in messages. @defaultValue 0.01 */
  pricePerSegment: number;
  /** ISO 4217 code of pricePerSegment. @defaultValue "USD" */
  currency: string;
  /** 1: each push POSTs one report object; more: a JSON array of up to this many reports due together. @defaultValue 1 */
  reportBatchSize: number;
}

export const DEFAULT_FAULTS: Readonly<Faults> = Object.freeze({
  transientRate: 0,
  latencyMs: 0,
  latencyJitterMs: 0,
  balance: Infinity,
  refuseRate: 0,
  refuseNumbers: [],
  abnormalNumbers: [],
  sensitiveWords: [],
  forceStatus: null,
  hangRate: 0,
  resetRate: 0,
  garbageRate: 0,
  http500Rate: 0,
  http429Rate: 0,
  clockSkewSeconds: 0,
  maxTimestampDriftSeconds: 1800,
  queryStatus: null,
  queryTransientRate: 0,
  reportUrl: null,
  replyUrl: null,
  reportDelayMs: 1000,
  reportDelayJitterMs: 2000,
  reportDuplicateRate: 0,
  reportLossRate: 0,
  undeliveredRate: 0,
  undeliveredReasons: {},
  undeliveredRateByText: {},
  pricePerSegment: 0.01,
  currency: 'USD',
  reportBatchSize: 1,
});

type Check = (v: unknown) => boolean;
const rate: Check = (v) => typeof v === 'number' && v >= 0 && v <= 1;
const nonNegative: Check = (v) => typeof v === 'number' && v >= 0 && !Number.isNaN(v) && v !== Infinity;

/** True for a price the gateway's 4-decimal form shows exactly (0.0035 yes, 0.00001 no), so that every shown amount is exact. */
function hasGatewayDecimals(amount: number): boolean {
  const scaled = amount * 10 ** GATEWAY_DECIMALS;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/** Report delays are stored as 32-bit ms offsets; a day each is far beyond any test's patience anyway. */
const DAY_MS = 86_400_000;
const delay: Check = (v) => nonNegative(v) && (v as number) <= DAY_MS;
const statusOrNull: Check = (v) => v === null || (typeof v === 'string' && v !== '');
const httpUrl: Check = (v) => {
  if (typeof v !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const strings: Check = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');
/** The ledger keeps a message's reason in 16 bits: a bounded map keeps the distinct reasons far below that. */
const MAX_REASON_NUMBERS = 1_000;
const reasonsByNumber: Check = (v) =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.keys(v).length <= MAX_REASON_NUMBERS &&
  Object.values(v).every((r) => typeof r === 'string' && r.length >= 1 && r.length <= 64);

const MAX_TEXT_RATES = 20;
const ratesByText: Check = (v) =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.keys(v).length <= MAX_TEXT_RATES &&
  Object.keys(v).every((t) => t.length >= 1 && t.length <= 200) &&
  Object.values(v).every(rate);

const RULES: Record<keyof Faults, [Check, string]> = {
  transientRate: [rate, 'a number from 0 to 1'],
  latencyMs: [nonNegative, 'a finite number ≥ 0'],
  latencyJitterMs: [nonNegative, 'a finite number ≥ 0'],
  balance: [(v) => typeof v === 'number' && v >= 0, 'a number ≥ 0 (Infinity, or null in JSON, for unlimited)'],
  refuseRate: [rate, 'a number from 0 to 1'],
  refuseNumbers: [strings, 'an array of strings'],
  abnormalNumbers: [strings, 'an array of strings'],
  sensitiveWords: [(v) => strings(v) && (v as string[]).every((w) => w !== ''), 'an array of non-empty strings'],
  forceStatus: [statusOrNull, 'a status string such as "-13", or null'],
  hangRate: [rate, 'a number from 0 to 1'],
  resetRate: [rate, 'a number from 0 to 1'],
  garbageRate: [rate, 'a number from 0 to 1'],
  http500Rate: [rate, 'a number from 0 to 1'],
  http429Rate: [rate, 'a number from 0 to 1'],
  clockSkewSeconds: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  maxTimestampDriftSeconds: [nonNegative, 'a finite number ≥ 0'],
  queryStatus: [statusOrNull, 'a status string such as "-15", or null'],
  queryTransientRate: [rate, 'a number from 0 to 1'],
  reportUrl: [(v) => v === null || httpUrl(v), 'an http:// or https:// URL, or null'],
  replyUrl: [(v) => v === null || httpUrl(v), 'an http:// or https:// URL, or null'],
  reportDelayMs: [delay, 'milliseconds from 0 to 86400000'],
  reportDelayJitterMs: [delay, 'milliseconds from 0 to 86400000'],
  reportDuplicateRate: [rate, 'a number from 0 to 1'],
  reportLossRate: [rate, 'a number from 0 to 1'],
  undeliveredRate: [rate, 'a number from 0 to 1'],
  undeliveredReasons: [reasonsByNumber, `an object of at most ${MAX_REASON_NUMBERS} numbers, each to a reason of 1 to 64 characters`],
  undeliveredRateByText: [ratesByText, `an object of at most ${MAX_TEXT_RATES} strings of 1 to 200 characters, each to a rate from 0 to 1`],
  pricePerSegment: [
    (v) => nonNegative(v) && hasGatewayDecimals(v as number),
    `a finite number ≥ 0 with at most ${GATEWAY_DECIMALS} decimals`,
  ],
  currency: [(v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v), 'a three-letter currency code such as "USD"'],
  reportBatchSize: [(v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000, 'a whole number from 1 to 1000'],
};

/**
 * Returns `current` with `patch` applied, or throws a RangeError naming every bad field. Unknown fields are
 * refused too, so that a typo such as `transient_rate` fails loudly instead of silently doing nothing.
 */
export function mergeFaults(current: Readonly<Faults>, patch: unknown): Faults {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new RangeError('faults must be an object of Faults fields');
  }
  const problems: string[] = [];
  const next: Record<string, unknown> = { ...current };
  for (const [key, raw] of Object.entries(patch)) {
    if (raw === undefined) continue;
    if (!Object.hasOwn(RULES, key)) {
      problems.push(`${key} is not a fault (known: ${Object.keys(RULES).join(', ')})`);
      continue;
    }
    const value = key === 'balance' && raw === null ? Infinity : raw;
    const [check, expected] = RULES[key as keyof Faults];
    if (check(value)) next[key] = Array.isArray(value) ? [...value] : value && typeof value === 'object' ? { ...value } : value;
    else problems.push(`${key} must be ${expected} (got ${JSON.stringify(raw)})`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid faults: ${problems.join('; ')}`);
  return next as unknown as Faults;
}

/** Faults as JSON for the control routes: JSON has no Infinity, so an unlimited balance is written as null. */
export function faultsToJson(f: Readonly<Faults>): Record<string, unknown> {
  return { ...f, balance: f.balance === Infinity ? null : f.balance };
}

/** True with probability `p`; exact for 0 and 1 so that tests are deterministic. */
export function roll(p: number): boolean {
  return p > 0 && (p >= 1 || Math.random() < p);
}
