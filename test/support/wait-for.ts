/**
 * The one way tests wait for something to happen: poll it, and fail naming what was awaited once a timeout has
 * passed, rather than sleep a fixed time and hope. (A test that must let time pass, to show that something does
 * NOT happen, says so where it sleeps.)
 */

/** Polls until `check` returns a value other than undefined, and resolves with it; fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** waitFor for a condition: resolves once `condition` holds. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  await waitFor(what, async () => ((await condition()) ? true : undefined), timeoutMs, intervalMs);
}
