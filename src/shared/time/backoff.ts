/**
 * Exponential back-off with jitter: `baseMs` after the first failure, doubled after each further one up to `maxMs`,
 * then spread over ±50% (`random` in [0, 1)). The spread is the point: what failed together — the webhook events
 * of one receiver's outage, the pollers and settling that share one gateway account — would otherwise come back
 * at the same moment and fail together again.
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(delay * (0.5 + random));
}
