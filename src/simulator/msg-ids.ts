/**
 * msgIds look like the gateway's ("2108021054011000095"): yyMMddHHmmss (UTC) of the acceptance time plus a 7-digit
 * counter, the sequence number modulo 10^7. Two msgIds could only collide if 10^7 messages were accepted within
 * one second.
 */
export const COUNTER_MOD = 10_000_000;
const FIRST_SEQUENCE = 1_000_000;
const SHAPE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{7})$/;

/**
 * The sequence numbers of every msgId one simulator gives, shared by its accounts' ledgers: a gateway's msgIds are
 * unique over its accounts, and smsq's msgId index is keyed by msgId alone, so two accounts of one simulator must
 * never answer the same msgId. It never goes back (a reset keeps counting), so msgIds stay unique over the
 * simulator's life.
 */
export class MsgIdSequence {
  private next = FIRST_SEQUENCE;

  take(): number {
    return this.next++;
  }
}

export function formatMsgId(at: number, sequence: number): string {
  return timePrefix(at) + String(sequence % COUNTER_MOD).padStart(7, '0');
}

/** The start of the second (ms since the epoch) and the counter a msgId shows; null when it is not of that shape. */
export function parseMsgId(msgId: string): { second: number; counter: number } | null {
  const m = SHAPE.exec(msgId);
  if (m === null) return null;
  const [yy, MM, dd, HH, mm, ss, counter] = m.slice(1).map(Number);
  return { second: Date.UTC(2000 + yy, MM - 1, dd, HH, mm, ss), counter };
}

let cachedSecond = -1;
let cachedPrefix = '';

/** yyMMddHHmmss in UTC; cached because consecutive entries almost always share their second. */
function timePrefix(at: number): string {
  const second = Math.floor(at / 1000);
  if (second !== cachedSecond) {
    // toISOString: "2021-08-02T10:54:01.000Z" → "210802105401"
    cachedPrefix = new Date(second * 1000).toISOString().slice(2, 19).replace(/\D/g, '');
    cachedSecond = second;
  }
  return cachedPrefix;
}
