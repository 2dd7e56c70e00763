/**
 * The suppression list's version and change log, so that a call's start looks up only the numbers that may have
 * changed since its batch was staged instead of every one of them.
 *
 * Every write that changes who is listed (adds, removals, imports, STOP and START replies) bumps the version and logs
 * the numbers it changed, scored by that version, in the same Lua step as the change itself
 * (scripts/includes/suppression-log.lua). The log is bounded: numbers dropped from it, and a write changing more than
 * the bound (logged not at all), raise the floor to their version. Staging reads the version before it looks its
 * batch's numbers up and stores both with the recipients (`sv`, and `sx` the indices found listed). BEGIN_CALL then
 * looks up the `sx` recipients and those the log shows changed after `sv`, or every one when `sv` is missing, below
 * the floor, or older than more changes than the call has numbers: whatever was listed after staging is still
 * refused, whatever was taken off is sent.
 */
import type { Keys } from '../redis/keys';
import { lua } from '../redis/lua';

/**
 * The most numbers the change log keeps: a few hundred KB at most, and at most this many read by a call's start
 * (a call reads the log only when fewer of it changed than it has numbers; otherwise it looks them all up).
 */
export const SUPPRESSION_LOG_BOUND = 10_000;

/** What the suppression list held for a batch's recipients when the batch was staged. */
export interface StagedCheck {
  /** The list's version, read before the numbers were looked up. */
  version: number;
  /** Indices within the batch of the recipients found listed. */
  listed: number[];
}

/** The batch hash's fields for a StagedCheck (`sv`, and `sx` when any recipient was listed), as BEGIN_CALL reads them. */
export function stagedCheckFields(check: StagedCheck): string[] {
  const fields = ['sv', String(check.version)];
  if (check.listed.length > 0) fields.push('sx', check.listed.join(','));
  return fields;
}

/** The keys every write to the list moves with it, in the order the scripts take them. */
export function listVersionKeys(keys: Keys): [version: string, changes: string, floor: string, count: string] {
  return [keys.suppressionVersion(), keys.suppressionChanges(), keys.suppressionFloor(), keys.suppressionCount()];
}

/** Adds numbers to the list or takes them off, with its version and change log (scripts/change-suppressions.lua). */
export const CHANGE_SUPPRESSIONS = lua<
  [version: string, changes: string, floor: string, count: string],
  [prefix: string, op: 'add' | 'add-new' | 'remove' | 'remove-own', bound: string, ...numbersOrPairs: string[]],
  number
>('change-suppressions');

/** The list's version and how many numbers it holds, counting them once if nobody has (scripts/suppression-state.lua). */
export const SUPPRESSION_STATE = lua<[version: string, count: string], [prefix: string], [version: number, count: number]>(
  'suppression-state',
);
