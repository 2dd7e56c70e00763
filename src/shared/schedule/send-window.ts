import { DateTime, IANAZone } from 'luxon';

/**
 * A send window: the local hours (and optionally days) at which a recipient may get a text, such as
 * `08:00-21:00`, `Mon-Fri 09:00-18:00`, `Sat,Sun 10:00-16:00`, or the preset `tcpa` (08:00–21:00, every day).
 * The end is exclusive; an end before the start spans midnight (`22:00-06:00`), the days naming where it starts.
 */
export interface SendWindow {
  /** The text it was parsed from, normalised (stored in the campaign). */
  spec: string;
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which a window starts. */
  days: ReadonlySet<number>;
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

export const WINDOW_PRESETS: Readonly<Record<string, string>> = Object.freeze({ tcpa: '08:00-21:00' });

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ALL_DAYS = new Set([1, 2, 3, 4, 5, 6, 7]);
const DAY_MS = 86_400_000;

/** Parses a window; throws an Error whose message says what is wrong, for the caller's validation error. */
export function parseWindow(raw: string): SendWindow {
  const text = (WINDOW_PRESETS[raw.trim().toLowerCase()] ?? raw).trim();
  const m = /^(?:([A-Za-z,\- ]+?)\s+)?(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`"${raw}" is not a window such as 08:00-21:00, Mon-Fri 09:00-18:00 or tcpa`);
  const [start, end] = [minutes(m[2], m[3], raw), minutes(m[4], m[5], raw)];
  if (start === end) throw new Error(`"${raw}" starts and ends at the same time`);
  const days = m[1] ? parseDays(m[1], raw) : ALL_DAYS;
  const hhmm = (n: number) => `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
  const dayPart =
    days.size === 7
      ? ''
      : `${[...days]
          .sort()
          .map((d) => DAY_NAMES[d - 1][0].toUpperCase() + DAY_NAMES[d - 1].slice(1))
          .join(',')} `;
  return { spec: `${dayPart}${hhmm(start)}-${hhmm(end)}`, days, start, end };
}

function minutes(h: string, min: string, raw: string): number {
  const [hh, mm] = [Number(h), Number(min)];
  if (hh > 24 || mm > 59 || (hh === 24 && mm > 0)) throw new Error(`"${raw}" has a time that is not HH:MM from 00:00 to 24:00`);
  return hh * 60 + mm;
}

function parseDays(text: string, raw: string): Set<number> {
  const days = new Set<number>();
  for (const part of text
    .toLowerCase()
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [from, to] = part.split('-').map((d) => DAY_NAMES.indexOf(d.trim().slice(0, 3)) + 1);
    if (from < 1 || (part.includes('-') && to < 1)) throw new Error(`"${raw}" has a day that is not Mon, Tue, Wed, Thu, Fri, Sat or Sun`);
    if (!part.includes('-')) days.add(from);
    else
      for (let d = from; ; d = (d % 7) + 1) {
        days.add(d);
        if (d === to) break;
      }
  }
  return days;
}

/** True when `zone` is an IANA time zone this runtime knows. */
export function isZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Is the window open at `at` (ms) in `zone`? */
export function isOpenIn(w: SendWindow, zone: string, at: number): boolean {
  const t = DateTime.fromMillis(at, { zone });
  const minute = t.hour * 60 + t.minute;
  if (w.start < w.end) return w.days.has(t.weekday) && minute >= w.start && minute < w.end;
  // Spans midnight: open late on a window day, or early on the day after one.
  const yesterday = ((t.weekday + 5) % 7) + 1;
  return (w.days.has(t.weekday) && minute >= w.start) || (w.days.has(yesterday) && minute < w.end);
}

/** Open in every one of `zones` at `at`. */
export function isOpenInAll(w: SendWindow, zones: ReadonlyArray<string>, at: number): boolean {
  return zones.every((z) => isOpenIn(w, z, at));
}

/**
 * The first moment at or after `from` when the window is open in every zone, or null when that never happens
 * within two weeks (zones too far apart for the window: give each recipient's own zone). Candidates are the
 * window starts in each zone; the answer is `from` itself or one of them.
 */
export function nextOpen(w: SendWindow, zones: ReadonlyArray<string>, from: number): number | null {
  if (isOpenInAll(w, zones, from)) return from;
  const candidates: number[] = [];
  for (const zone of zones) {
    const day0 = DateTime.fromMillis(from, { zone }).startOf('day');
    for (let d = -1; d <= 14; d++) {
      const day = day0.plus({ days: d });
      if (!w.days.has(day.weekday)) continue;
      // A start that falls in a DST gap (02:30 on a spring-forward night) moves on with the clock.
      const start = day.set({ hour: Math.floor(w.start / 60), minute: w.start % 60 }).toMillis();
      if (start > from && start < from + 15 * DAY_MS) candidates.push(start);
    }
  }
  candidates.sort((a, b) => a - b);
  return candidates.find((c) => isOpenInAll(w, zones, c)) ?? null;
}
