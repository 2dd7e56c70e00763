/**
 * The gateway's msgIds are long digit strings ("2108021059531000096"), but reports echo them back in other forms:
 * as JSON numbers that lost leading zeros, or with letters in another case. An index keyed by the normalised
 * form matches all of them.
 */
export function normalizeMsgId(msgId: string): string {
  const id = msgId.trim().toLowerCase();
  const stripped = id.replace(/^0+/, '');
  return stripped === '' && id !== '' ? '0' : stripped;
}

/**
 * A polynomial hash of the normalised msgId's UTF-8 bytes modulo 2^31 - 1, with the MINSTD multiplier: computed
 * the same in Lua (index-lua.ts, which writes the index), where numbers are doubles — every step stays below
 * 2^53, so both are exact — and it spreads sequential ids evenly over the buckets, as a small multiplier does not.
 */
export function bucketOf(normalized: string, buckets: number): number {
  let h = 0;
  for (const byte of Buffer.from(normalized, 'utf8')) h = (h * 48_271 + byte) % 2_147_483_647;
  return h % buckets;
}
