import { createHash } from 'node:crypto';

/** The gateway's request signature: md5(apiKey + apiSecret + timestamp), lowercase hex. */
export function sign(apiKey: string, apiSecret: string, timestamp: string): string {
  return createHash('md5')
    .update(apiKey + apiSecret + timestamp)
    .digest('hex');
}

/**
 * The headers of every gateway call: a fresh Timestamp, the Api-Key, and the Sign over both; with `json`, the
 * Content-Type of a JSON body too. sendSms and the queries alike.
 */
export function signedHeaders(credentials: { apiKey: string; apiSecret: string }, now: number, json: boolean): Record<string, string> {
  const timestamp = timestampNow(now);
  const signature = sign(credentials.apiKey, credentials.apiSecret, timestamp);
  return json
    ? { 'Content-Type': 'application/json;charset=UTF-8', Timestamp: timestamp, 'Api-Key': credentials.apiKey, Sign: signature }
    : { Timestamp: timestamp, 'Api-Key': credentials.apiKey, Sign: signature };
}

/** Unix time in seconds as the gateway wants it in the Timestamp header; fresh for every call. */
export function timestampNow(now: number = Date.now()): string {
  return String(Math.floor(now / 1000));
}
