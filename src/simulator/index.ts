/**
 * A local stand-in for the SMS gateway's sendSms API (the sendSms reference in the project docs): it answers as
 * the gateway does, records every accepted message in a ledger, and misbehaves on request (faults).
 *
 * Where the gateway's documentation is silent, the simulator decides, and says so:
 * - a body that is not a JSON object, or a field that is not a string, answers HTTP 400 `{error, reason}`;
 * - a body over 2 MB answers HTTP 413; a sendSms path with a method other than POST answers 405;
 * - senderId over 32 characters answers the undocumented status "-1001";
 * - numbers are not trimmed: "123456, 234567" is abnormal (-9), as is an empty element;
 * - control routes under /__sim/ (stats, faults, top-up, ledger, reset) have no authentication.
 */
export { startSimulator, type Simulator, type SimulatorOptions } from './server';
export { DEFAULT_FAULTS, type Faults } from './faults';
export type { Ledger, LedgerEntry } from './ledger';
export type { SimulatorStats } from './stats';
export type { SendSmsAnswer } from './send-sms';
