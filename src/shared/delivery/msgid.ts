/**
 * The gateway's msgIds are long digit strings ("2108021059531000096"), but reports echo them back in other forms:
 * as JSON numbers that lost leading zeros, or with letters in another case. An index keyed by the normalised
 * form matches all of them.
 */
export function normalizeMsgId(msgId: string): string {
  // The gateway's own form (digits, no leading zero) is already normal: the fast path for every sent message.
  if (/^[1-9]\d*$/.test(msgId)) return msgId;
  const id = msgId.trim().toLowerCase();
  const stripped = id.replace(/^0+/, '');
  return stripped === '' && id !== '' ? '0' : stripped;
}

/** FNV-1a over the normalised msgId: a stable, evenly spread bucket number. */
export function bucketOf(normalized: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < normalized.length; i++) {
    h ^= normalized.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}
