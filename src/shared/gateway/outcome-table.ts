import type { CallResult } from './client';
import type { AcceptedEntry, GatewayReply } from './parse-reply';

/** What a status-0 answer says besides its entries; match-accepted.ts checks the entries against it and the call. */
export type AnswerChecks = Pick<GatewayReply, 'success' | 'fail' | 'malformed' | 'malformedMsgIds' | 'unreadableCounts'>;

/** The code of recipients left `unknown` because the gateway's answer disagrees with itself or with the call. */
export const DISAGREES_CODE = 'REPLY_DISAGREES';

/**
 * What to do about one call's result. Decided from data only (gateway status, HTTP status, error kind),
 * never from message text. One row per status below; each row has its own test.
 */
export type Verdict =
  /**
   * Status 0: the listed numbers were accepted; numbers missing from `array` were not, if the answer agrees with
   * itself and with the call (match-accepted.ts decides, with `checks`).
   */
  | { kind: 'accepted'; accepted: AcceptedEntry[]; checks: AnswerChecks }
  /** Nothing was accepted and trying again later may work: retry with backoff. */
  | { kind: 'transient'; code: string; reason: string }
  /** -16: our Timestamp was too far from the gateway's clock. Retry at once with a fresh one. */
  | { kind: 'clock-skew'; code: string; reason: string }
  /** The account cannot send at all: pause the whole queue until an operator resumes it. */
  | { kind: 'account-stop'; code: string; reason: string; operatorAction: string }
  /** The content is refused: every batch of the campaign would fail the same way. */
  | { kind: 'content-refused'; code: string; reason: string }
  /** -9: a number in the call is refused; split the call to find it. */
  | { kind: 'number-refused'; code: string; reason: string }
  /** The gateway may or may not have accepted the messages; resending could duplicate them. */
  | { kind: 'unknown'; code: string; reason: string }
  /** Fail this batch's recipients for good (-7/-8 are bugs of ours and are logged as such). */
  | { kind: 'permanent'; code: string; reason: string; bug: boolean };

type StatusRule =
  | { kind: 'transient' | 'clock-skew' | 'content-refused' | 'number-refused'; meaning: string }
  | { kind: 'account-stop'; meaning: string; operatorAction: string }
  | { kind: 'permanent'; meaning: string; bug: boolean };

/** The gateway's documented non-zero statuses (docs/gateway.md, the outcome table). Anything else is permanent. */
export const STATUS_TABLE: Readonly<Record<string, StatusRule>> = Object.freeze({
  '-1': { kind: 'account-stop', meaning: 'authentication error', operatorAction: 'check SMS_API_KEY, SMS_API_SECRET and SMS_APP_ID' },
  '-2': {
    kind: 'account-stop',
    meaning: 'IP access restricted',
    operatorAction: "add this host's public IP to the gateway account's allow list",
  },
  '-3': { kind: 'content-refused', meaning: 'content contains sensitive words' },
  '-4': { kind: 'content-refused', meaning: 'content is empty' },
  '-5': { kind: 'content-refused', meaning: 'content is too long' },
  '-6': { kind: 'content-refused', meaning: 'content is not an approved template' },
  '-7': { kind: 'permanent', meaning: 'too many numbers in one call', bug: true },
  '-8': { kind: 'permanent', meaning: 'numbers are empty', bug: true },
  '-9': { kind: 'number-refused', meaning: 'number abnormal' },
  '-10': { kind: 'account-stop', meaning: 'account balance insufficient', operatorAction: 'top up the gateway account' },
  '-13': { kind: 'account-stop', meaning: 'account is locked', operatorAction: 'contact the gateway to unlock the account' },
  '-16': { kind: 'clock-skew', meaning: 'timestamp expired (clock skew)' },
  '-18': { kind: 'transient', meaning: 'gateway program exception' },
  '-19': { kind: 'account-stop', meaning: 'no channel bound to the account', operatorAction: 'ask the account manager to bind a channel' },
});

export function classify(result: CallResult, retryUnknown = false): Verdict {
  switch (result.kind) {
    case 'not-sent':
      return { kind: 'transient', code: result.errorCode, reason: `request did not reach the gateway: ${result.message}` };
    case 'http-error':
      if (result.httpStatus === 429 || result.httpStatus >= 500) {
        return { kind: 'transient', code: `HTTP_${result.httpStatus}`, reason: `gateway answered HTTP ${result.httpStatus}` };
      }
      return {
        kind: 'permanent',
        code: `HTTP_${result.httpStatus}`,
        reason: `gateway answered HTTP ${result.httpStatus}: ${result.body}`,
        bug: false,
      };
    case 'not-json':
      return unknownOr(retryUnknown, 'BAD_REPLY', `gateway answered HTTP 200 without its JSON: ${result.body}`);
    case 'cut-off':
      return unknownOr(retryUnknown, result.errorCode, `no complete answer after the request was sent: ${result.message}`);
    case 'reply':
      break;
  }
  const { status, reason, accepted, success, fail, malformed, malformedMsgIds, unreadableCounts } = result.reply;
  const checks = { success, fail, malformed, malformedMsgIds, unreadableCounts };
  if (status === '0') {
    if (accepted !== null) return { kind: 'accepted', accepted, checks };
    // Success without `array`: nothing accepted if the count says so; otherwise we cannot tell which msgIds.
    if (success === 0 && malformed === 0 && !unreadableCounts) return { kind: 'accepted', accepted: [], checks };
    return unknownOr(retryUnknown, 'NO_ARRAY', 'gateway answered success without listing the accepted numbers');
  }
  // A refusal that lists accepted numbers, or counts some (or whose counts cannot be read), contradicts itself:
  // some may have been sent, and a retry could send them again.
  if ((accepted?.length ?? 0) > 0 || malformed > 0 || (success ?? 0) > 0 || unreadableCounts) {
    return unknownOr(retryUnknown, DISAGREES_CODE, `gateway answered status ${status} yet listed or counted accepted numbers`);
  }
  const rule = STATUS_TABLE[status];
  const text = (meaning: string) => (reason && reason !== meaning ? `${meaning} (${reason})` : meaning);
  if (!rule) return { kind: 'permanent', code: status, reason: `gateway status ${status}: ${reason || 'no reason given'}`, bug: false };
  switch (rule.kind) {
    case 'account-stop':
      return { kind: 'account-stop', code: status, reason: text(rule.meaning), operatorAction: rule.operatorAction };
    case 'permanent':
      return { kind: 'permanent', code: status, reason: text(rule.meaning), bug: rule.bug };
    default:
      return { kind: rule.kind, code: status, reason: text(rule.meaning) };
  }
}

/** With SMS_RETRY_UNKNOWN=true an unknowable outcome is retried like a transient one (may duplicate). */
function unknownOr(retryUnknown: boolean, code: string, reason: string): Verdict {
  return retryUnknown ? { kind: 'transient', code, reason } : { kind: 'unknown', code, reason };
}
