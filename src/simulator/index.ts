/**
 * A local stand-in for the SMS gateway (the sendSms and other-endpoints references in the project docs): it
 * answers sendSms and sendSms/batch (many texts in one call, with the same checks, limits, faults and pricing) as
 * the gateway does, records every accepted message and its text in a ledger with its delivery fate,
 * answers getReport, getSentRcd and getBalance from that ledger, pushes delivery reports (pushSmsReport) to
 * faults.reportUrl, and misbehaves on request (faults). Besides the unnamed account at /sms it may serve named
 * accounts (options.accounts), each at /accounts/<name>/sms with its own credentials, faults, balance, ledger,
 * reports, replies and stats. msgIds are unique within an account only, as smsq expects of a gateway: each account
 * counts from the same start, so two accounts sending in one second answer the same msgIds.
 *
 * Where the gateway's documentation is silent, the simulator decides, and says so:
 * - a body that is not a JSON object, or a field that is not a string, answers HTTP 400 `{error, reason}`;
 * - a body over 8 MB answers HTTP 413; a sendSms path with a method other than POST answers 405;
 * - senderId over 32 characters answers the undocumented status "-1001";
 * - sendSms/batch: more than 1000 numbers over all its elements answers -7, and any element failing a check
 *   (empty or long content, no numbers, orderId count, an abnormal number, a sensitive word) refuses the call;
 * - numbers are not trimmed: "123456, 234567" is abnormal (-9), as is an empty element;
 * - control routes under /__sim/ (stats, faults, top-up, ledger, reset), and a named account's under
 *   /__sim/accounts/<name>/, have no authentication; a path under /accounts/ or /__sim/accounts/ naming no account
 *   answers HTTP 404;
 * - getReport answers -14 to more than 200 msgIds, and strings for every per-message status;
 * - getSentRcd answers -11 to any unusable window (format, order, over 31 days, over 90 days ago), -14 to a bad
 *   startIndex, and adds `total`; getBalance takes appId optionally and shows the balance (kept in messages,
 *   one per accepted message) at pricePerSegment;
 * - recordMo is a POST of JSON (as documented), answers -22 to a bad body field, size or time and -25 to a window
 *   over 31 days or before 2022-07-01; replies come from POST /__sim/replies and go to faults.replyUrl at once,
 *   one per POST, never retried;
 * - a report is due at reportAt; it goes to the reportUrl of that moment, is withheld when there is none, and is
 *   never retried after a failed push.
 */
export {
  startSimulator,
  type AccountControls,
  type Simulator,
  type SimulatorAccount,
  type SimulatorAccountOptions,
  type SimulatorOptions,
} from './server';
export { DEFAULT_FAULTS, type Faults } from './faults';
export type { Ledger, LedgerEntry } from './ledger';
export type { SimulatorStats } from './stats';
export type { SendSmsAnswer } from './send-sms';
export type { ReportBody } from './report-body';
export type { QueryAnswer, QueryName } from './query-routes';
export type { InjectedReply, MoBody } from './replies';
