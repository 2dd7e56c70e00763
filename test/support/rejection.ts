import { SmsqError } from '../../src/shared/errors';

/** The SmsqError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<SmsqError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SmsqError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}
