/**
 * A campaign's lifecycle: the states its record stores, which may follow which, who makes each move and why. Every
 * change of a campaign's state obeys this one table:
 * - CampaignStore.transition takes a move of it (`LIFECYCLE.cancel`) and refuses, before touching Redis, a pair of
 *   states the table does not list (TRANSITION_NOT_ALLOWED);
 * - the Lua scripts that write `state` themselves (a batch's first call, the completion routine, resume, reopen) are
 *   handed their move's `from` states as an argument (fromStates), and write only that move's `to`
 *   (test/unit/lifecycle.test.ts holds each script to its moves).
 * At run time a move is refused, atomically and without an error, when the campaign is in none of its `from` states:
 * its caller is told the state it found (a cancel of a completed campaign, a split job finding it cancelled).
 * A campaign is created `scheduled` (its sendAt ahead) or `queued`, by the producer (INITIAL_STATES).
 * docs/campaigns.md shows the table; a unit test holds it to this one.
 */
import { SmsqError } from '../errors';
import type { CampaignState } from '../types';

/** Who changes a campaign's state. */
export type Actor =
  /** `smsq enqueue`, the library's enqueue, `POST /v1/campaigns`: it queues and stages the campaign. */
  | 'producer'
  /** The batch and split jobs. */
  | 'worker'
  /** `smsq cancel|pause|resume|reschedule|settle`, the HTTP API and the console. */
  | 'operator'
  /** The worker's automatic settle job. */
  | 'settle job'
  /** Delivery reports as they are applied: the worker's poller, the server's push endpoint. */
  | 'reports';

/** The states a record stores, in a campaign's order of life. */
export const CAMPAIGN_STATES = [
  'scheduled',
  'queued',
  'running',
  'paused',
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly CampaignState[];

/** The states a campaign is created in: `scheduled` when its sendAt is ahead, else `queued`. */
export const INITIAL_STATES = ['scheduled', 'queued'] as const satisfies readonly CampaignState[];

/** A change of state: from any of `from` to `to`. */
export interface Move {
  readonly from: readonly CampaignState[];
  readonly to: CampaignState;
}

/** A row of the table: a move, who makes it, and why. */
export interface LifecycleRow extends Move {
  readonly by: readonly Actor[];
  readonly why: string;
}

/** Every move a campaign's state may make. */
export const LIFECYCLE = {
  start: {
    from: ['scheduled', 'queued'],
    to: 'running',
    by: ['worker'],
    why: 'its split job runs (at its sendAt when scheduled) and releases its first batches',
  },
  firstCall: {
    from: ['queued'],
    to: 'running',
    by: ['worker'],
    why: "a batch's first call starts it, should that batch run before the split job marked it running",
  },
  reschedule: { from: ['scheduled'], to: 'scheduled', by: ['operator'], why: 'a new sendAt, before it has started' },
  pause: {
    from: ['scheduled', 'queued', 'running'],
    to: 'paused',
    by: ['operator'],
    why: 'paused: none of its batches starts until it is resumed',
  },
  canaryPause: {
    from: ['queued', 'running'],
    to: 'paused',
    by: ['worker'],
    why: 'its canary failed a gate: the rest of its list is not sent unless it is resumed',
  },
  budgetPause: { from: ['queued', 'running'], to: 'paused', by: ['reports'], why: 'its reported cost reached its maxCost' },
  resume: { from: ['paused'], to: 'running', by: ['operator'], why: 'resumed: its parked batches go back to its lane' },
  resumeScheduled: {
    from: ['paused'],
    to: 'scheduled',
    by: ['operator'],
    why: 'resumed before its sendAt, which is still ahead: its split job starts it then',
  },
  complete: {
    from: ['queued', 'running', 'paused'],
    to: 'completed',
    by: ['worker', 'settle job', 'operator', 'producer'],
    why: 'every recipient is counted, and none is unknown while settling may still tell: its last batch counted, settling done, or staging cut to batches already counted',
  },
  fail: { from: ['queued', 'running', 'paused'], to: 'failed', by: ['worker'], why: 'the gateway refuses its content' },
  cancel: {
    from: ['scheduled', 'queued', 'running', 'paused'],
    to: 'cancelled',
    by: ['operator'],
    why: 'cancelled: no call of it starts any more, its unsent recipients are cancelled',
  },
  reopen: {
    from: ['completed'],
    to: 'running',
    by: ['settle job', 'operator'],
    why: 'a resend makes its not-sent recipients pending again',
  },
} as const satisfies Record<string, LifecycleRow>;

export type MoveName = keyof typeof LIFECYCLE;

/** Each row, by name. */
export const LIFECYCLE_ROWS: ReadonlyArray<[MoveName, LifecycleRow]> = Object.entries(LIFECYCLE) as Array<[MoveName, LifecycleRow]>;

/** The states a campaign in `from` may move to, in CAMPAIGN_STATES order. */
export function allowedFrom(from: CampaignState): CampaignState[] {
  return CAMPAIGN_STATES.filter((to) => LIFECYCLE_ROWS.some(([, row]) => row.to === to && row.from.includes(from)));
}

/** Throws TRANSITION_NOT_ALLOWED unless the table allows every one of the move's `from` states to become its `to`. */
export function checkMove(move: Move): void {
  for (const from of move.from) {
    const allowed = allowedFrom(from);
    if (allowed.includes(move.to)) continue;
    throw new SmsqError(
      'TRANSITION_NOT_ALLOWED',
      `A campaign's state cannot change from ${from} to ${move.to}: the lifecycle (src/shared/campaign/lifecycle.ts) allows from ${from} ${
        allowed.length > 0 ? `only ${allowed.join(', ')}` : 'no change (it has ended)'
      }. Nothing was changed.`,
      { from, to: move.to, allowed },
    );
  }
}

/** A move's `from` states as the Lua scripts take them: comma-separated. */
export function fromStates(move: Move): string {
  return move.from.join(',');
}
