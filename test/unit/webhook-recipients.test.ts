import { withAccount } from '../../src/shared/accounts/outcome-account';
import { settledRecipients } from '../../src/shared/webhooks/emitter';
import type { Recipient, StoredOutcome } from '../../src/shared/types';

describe("recipients.settled's recipients", () => {
  it('name the account of every recipient a call went to, default included, and none for those no call made', () => {
    const recipients: Recipient[] = ['447700900001', '447700900002', '447700900003', '447700900004', '447700900005', '447700900006'].map(
      (number, i) => ({ number, orderId: `o-${i}` }),
    );
    const outcomes = new Map<number, StoredOutcome>([
      [0, ['s', 'm-1']],
      [1, withAccount(['s', 'm-1'], 'b')],
      [2, withAccount(['u', 'ETIMEDOUT', 'no answer', null], 'b')],
      [3, withAccount(['f', '-9', 'mobile number error'], 'b')],
      [4, ['f', 'NO_ROUTE', 'no gateway account may send to this number']],
    ]);
    expect(settledRecipients(recipients, outcomes).map((r) => [r.orderId, r.status, r.account])).toEqual([
      ['o-0', 'sent', 'default'],
      ['o-1', 'sent', 'b'],
      ['o-2', 'unknown', 'b'],
      ['o-3', 'failed', 'b'],
      ['o-4', 'failed', undefined],
      ['o-5', 'pending', undefined],
    ]);
    // The same msgId from two accounts is two messages: the account tells them apart.
    const [a, b] = settledRecipients(recipients, outcomes);
    expect(JSON.parse(JSON.stringify([a, b]))).toEqual([
      { number: '447700900001', orderId: 'o-0', status: 'sent', msgId: 'm-1', account: 'default' },
      { number: '447700900002', orderId: 'o-1', status: 'sent', msgId: 'm-1', account: 'b' },
    ]);
  });
});
