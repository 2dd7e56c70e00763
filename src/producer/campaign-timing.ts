import { calendarProblem } from '../shared/schedule/calendar';
import { recipientZones } from '../shared/schedule/recipient-zones';
import { isZone, nextOpen, parseWindow, type SendWindow } from '../shared/schedule/send-window';
import type { Recipient } from '../shared/types';
import { rowProblem, type RowProblem } from './validate';

/** When a campaign may send, as the caller gives it. */
export interface TimingOptions {
  /** Nothing is sent before this instant (ISO 8601 with an offset, or a Date); the campaign is `scheduled` until then. */
  sendAt?: string | Date;
  /** Local hours (and days) at which recipients may get the text: `08:00-21:00`, `Mon-Fri 09:00-18:00`, `tcpa`. */
  window?: string;
  /** IANA zone for recipients whose own is not given; default: every zone of the number's country. */
  timezone?: string;
  /** How long recipients may still be sent, from sendAt (or the enqueue): `6h`, `90m`, `2d`, or ms. */
  validFor?: string | number;
  /** …or the instant after which nobody is sent; recipients not sent by then end `expired`. */
  expireAt?: string | Date;
}

/** The same, checked and resolved to what the campaign hash stores. */
export interface CampaignTiming {
  sendAt?: number;
  window?: SendWindow;
  timezone?: string;
  expireAt?: number;
}

/** Checks the timing fields; returns the resolved timing and a problem per bad field (named as the caller named it). */
export function resolveTiming(opts: TimingOptions, now: number): { timing: CampaignTiming; problems: Array<[string, string]> } {
  const problems: Array<[string, string]> = [];
  const timing: CampaignTiming = {};
  if (opts.sendAt !== undefined) {
    const at = checkSendAt(opts.sendAt, now);
    if (typeof at === 'string') problems.push(['sendAt', at]);
    else timing.sendAt = at;
  }
  if (opts.window !== undefined) {
    if (typeof opts.window !== 'string' || opts.window.length > SPEC_MAX_LENGTH)
      problems.push(['window', `must be text of at most ${SPEC_MAX_LENGTH} characters, such as 08:00-21:00`]);
    else {
      try {
        timing.window = parseWindow(opts.window);
      } catch (err) {
        problems.push(['window', (err as Error).message]);
      }
    }
  }
  if (opts.timezone !== undefined) {
    if (typeof opts.timezone === 'string' && opts.timezone.length <= SPEC_MAX_LENGTH && isZone(opts.timezone))
      timing.timezone = opts.timezone;
    else
      problems.push(['timezone', `"${shown(String(opts.timezone))}" is not an IANA time zone such as Europe/Berlin or America/New_York`]);
  }
  if (opts.validFor !== undefined && opts.expireAt !== undefined) problems.push(['validFor', 'give validFor or expireAt, not both']);
  else if (opts.validFor !== undefined) {
    const ms = parseValidFor(opts.validFor);
    if (typeof ms === 'string') problems.push(['validFor', ms]);
    else timing.expireAt = Math.max(timing.sendAt ?? now, now) + ms;
  } else if (opts.expireAt !== undefined) {
    const at = parseInstant(opts.expireAt);
    const start = Math.max(timing.sendAt ?? now, now);
    if (typeof at === 'string') problems.push(['expireAt', at]);
    else if (at <= start) problems.push(['expireAt', 'is not after the time the campaign starts: nobody could be sent']);
    else if (at - start > MAX_VALIDITY_MS)
      problems.push(['expireAt', `${isoOf(at)} is more than ${HORIZON_DAYS} days after the campaign starts, the longest validity`]);
    else timing.expireAt = at;
  }
  return { timing, problems };
}

/** A window or a time zone is a short name: longer text is a mistake, and is not echoed back whole. */
const SPEC_MAX_LENGTH = 64;

/** How far ahead a campaign may be scheduled, and how long it may stay valid: a year and a day, so that a typo
 * (a year too far, `99999999d`) is refused rather than stored, and every time a campaign keeps stays a date. */
export const HORIZON_DAYS = 366;
const HORIZON_MS = HORIZON_DAYS * 86_400_000;
/** A sendAt this far in the past still means "now" (a clock a little behind, a command typed a while ago); further back it is a typo. */
export const SEND_AT_PAST_HOURS = 24;
const MAX_VALIDITY_MS = HORIZON_MS;
const MIN_VALIDITY_MS = 1_000;

/** sendAt: an instant (see parseInstant) from SEND_AT_PAST_HOURS ago to HORIZON_DAYS ahead of `now`. */
export function checkSendAt(value: string | Date, now: number): number | string {
  const at = parseInstant(value);
  if (typeof at === 'string') return at;
  if (at > now + HORIZON_MS) return `${isoOf(at)} is more than ${HORIZON_DAYS} days ahead, the furthest a campaign can be scheduled`;
  if (at < now - SEND_AT_PAST_HOURS * 3_600_000) return `${isoOf(at)} is more than ${SEND_AT_PAST_HOURS} hours in the past`;
  return at;
}

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 instant that says its offset (`2026-12-01T09:00:00+01:00`, or `Z`): a time without one would be read
 * in whatever zone the producer runs in. Each part must exist as written — Date.parse rolls 2027-02-30 over to
 * March 2 and takes 24:00 for the next midnight, which is not what the caller meant. Returns ms since the epoch,
 * or an Error message.
 */
export function parseInstant(value: string | Date): number | string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'is not a valid date' : value.getTime();
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) return `"${shown(value)}" is not ISO 8601 with an offset, such as 2026-12-01T09:00:00+01:00`;
  const impossible = calendarProblem(
    ...([m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number]),
  );
  if (impossible !== null) return `"${value}" is not a valid date and time: ${impossible}`;
  if (m[8] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return `"${value}" has an offset beyond ±14:00`;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? `"${value}" is not a valid date` : ms;
}

const isoOf = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
const shown = (s: string): string => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** validFor: `6h`, `90m`, `2d`, `45s` (or a number of ms), from 1 s to HORIZON_DAYS: how long after the start a recipient may still be sent. */
function parseValidFor(value: string | number): number | string {
  const limit = `from 1s to ${HORIZON_DAYS}d (${MAX_VALIDITY_MS} ms)`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < MIN_VALIDITY_MS || value > MAX_VALIDITY_MS) return `${value} ms is outside the limit: ${limit}`;
    return Math.round(value);
  }
  const m = /^(\d{1,12}(?:\.\d{1,6})?)\s*(s|m|h|d)$/.exec(value.trim());
  if (!m) return `"${shown(value)}" is not a duration such as 6h, 90m, 2d or 45s`;
  const ms = Math.round(Number(m[1]) * UNITS[m[2]]);
  if (ms < MIN_VALIDITY_MS || ms > MAX_VALIDITY_MS) return `"${value}" is outside the limit: ${limit}`;
  return ms;
}

/**
 * With a window, each recipient needs zones the window is ever open in together (within two weeks): a number
 * whose country cannot be told, or a country whose zones are too far apart for the window, is a bad row that says
 * what to give. Zone sets are judged once.
 */
export function windowRowCheck(timing: CampaignTiming, now: number): (row: number, r: Recipient) => RowProblem | null {
  const w = timing.window;
  if (!w) return () => null;
  const verdicts = new Map<string, string | null>();
  return (row, r) => {
    const zones = recipientZones(r.number, r.zone, timing.timezone);
    if (!zones)
      return rowProblem(row, r.number, "cannot tell this number's time zone for the send window: give the campaign a timezone", 'timezone');
    const key = zones.join('|');
    let reason = verdicts.get(key);
    if (reason === undefined) {
      reason =
        nextOpen(w, zones, Math.max(now, timing.sendAt ?? now)) === null
          ? `the window ${w.spec} is never open at once in all ${zones.length} time zones of this number's country: give the campaign (or the recipient) a timezone`
          : null;
      verdicts.set(key, reason);
    }
    return reason ? rowProblem(row, r.number, reason, 'timezone') : null;
  };
}
