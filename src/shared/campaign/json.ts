/**
 * Records as the HTTP API and `smsq ... --json` show them: the library's objects with every time in ISO 8601. The
 * library keeps epoch milliseconds, which are what code compares and adds; a reader of JSON wants a date. One rule
 * for every record — a number in a field named `at` or ending in `At` is a time — so that a time field added later
 * (at any depth) cannot slip out as milliseconds, and the API, the console and the CLI cannot disagree on one.
 */
import type { AccountStop } from './sending-control';
import type { CampaignInfo } from '../types';

type IsTime<K> = K extends 'at' | `${string}At` ? true : false;

/** T with its time fields as ISO 8601 strings. */
export type Json<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? {
        [K in keyof T]: IsTime<K> extends true
          ? T[K] extends number
            ? string
            : T[K] extends number | undefined
              ? string | undefined
              : Json<T[K]>
          : Json<T[K]>;
      }
    : T;

export type CampaignJson = Json<CampaignInfo>;

export const isoTime = (ms: number): string => new Date(ms).toISOString();

const isTimeKey = (k: string): boolean => k === 'at' || k.endsWith('At');

/** A copy of `value` with its time fields (see Json) in ISO 8601; arrays and other values as they are. */
export function withIsoTimes<T>(value: T): Json<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value as Json<T>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isTimeKey(k) && typeof v === 'number' ? isoTime(v) : withIsoTimes(v);
  return out as Json<T>;
}

export const campaignJson = (info: CampaignInfo): CampaignJson => withIsoTimes(info);

/** An account-level stop as the API shows it: `at` in ISO 8601. */
export const accountStopJson = (stop: AccountStop): Json<AccountStop> => withIsoTimes(stop);
