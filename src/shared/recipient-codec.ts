import type { Recipient } from './types';

/**
 * A batch's recipients are stored as one string, `number,orderId` lines joined by `\n`: about 30 bytes a
 * recipient. Validation guarantees orderIds hold neither commas nor control characters.
 */
export function encodeRecipients(recipients: ReadonlyArray<Recipient>): string {
  return recipients.map((r) => `${r.number},${r.orderId}`).join('\n');
}

export function decodeRecipients(encoded: string): Recipient[] {
  if (encoded === '') return [];
  return encoded.split('\n').map((line) => {
    const comma = line.indexOf(',');
    return { number: line.slice(0, comma), orderId: line.slice(comma + 1) };
  });
}
