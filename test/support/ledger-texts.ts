import type { Ledger } from '../../src/simulator/ledger';

/** The one text the gateway got for each of these numbers; a second text for a number (a duplicate) throws. */
export function ledgerTexts(ledger: Ledger, numbers: Iterable<string>): Map<string, string> {
  const wanted = new Set(numbers);
  const out = new Map<string, string>();
  for (const e of ledger.entries()) {
    if (!wanted.has(e.number)) continue;
    if (out.has(e.number)) throw new Error(`${e.number} reached the gateway twice`);
    out.set(e.number, e.content);
  }
  return out;
}
