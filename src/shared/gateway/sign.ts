import { createHash } from 'node:crypto';

/** The gateway's request signature: md5(apiKey + apiSecret + timestamp), lowercase hex. */
export function sign(apiKey: string, apiSecret: string, timestamp: string): string {
  return createHash('md5').update(apiKey + apiSecret + timestamp).digest('hex');
}

/** Unix time in seconds as the gateway wants it in the Timestamp header; fresh for every call. */
export function timestampNow(now: number = Date.now()): string {
  return String(Math.floor(now / 1000));
}
