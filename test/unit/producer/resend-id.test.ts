import { resendIds } from '../../../src/producer/operator/resend-id';
import { checkCampaignId } from '../../../src/producer/validate';

describe('resendIds', () => {
  it('names a resend <id>-resend, then -resend-2, … when that is taken', () => {
    expect(resendIds('spring', 3)).toEqual(['spring-resend', 'spring-resend-2', 'spring-resend-3']);
  });

  it('numbers a resend of a resend on from its parent, so that resending it again finds the same id', () => {
    expect(resendIds('spring-resend', 2)).toEqual(['spring-resend-2', 'spring-resend-3']);
    expect(resendIds('spring-resend-9', 1)).toEqual(['spring-resend-10']);
  });

  it("keeps a tenant's campaign its tenant's, and cuts a long id to stay a valid campaign id", () => {
    expect(resendIds('shop~june', 1)).toEqual(['shop~june-resend']);
    const long = 'x'.repeat(64);
    for (const id of [...resendIds(long, 12), ...resendIds(`shop~${long}`, 12)]) expect(checkCampaignId(id)).toBeNull();
    expect(resendIds(long, 1)[0]).toBe(`${'x'.repeat(57)}-resend`);
  });
});
