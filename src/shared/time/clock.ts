/**
 * The time schedules, send windows and validity are judged by. Production uses the system clock; tests inject one
 * set to another moment (so that a window opens in seconds rather than hours) — never one that runs faster, since
 * BullMQ's delays and locks run on real milliseconds and must agree with it.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock `offsetMs` ahead of the system clock (negative: behind). */
export function offsetClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}
