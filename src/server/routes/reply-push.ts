/**
 * POST /v1/replies/:token — where the gateway pushes replies (recordMo's fields, one reply per POST; a JSON array is
 * taken too); POST /v1/replies/:token/accounts/:account — the same for a named gateway account, so that every
 * account's push address has the form its delivery reports' has. Replies are attributed by their number whichever
 * account brought them, so both store them alike. Like the delivery-report push it has no signature, so the path
 * carries a secret (REPLY_TOKEN), compared in constant time, optionally with an address allow list (REPLY_ALLOWED_IPS).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { quoteLongIntegers } from '../../shared/gateway/parse-queries';
import { isObject } from '../../shared/gateway/json-fields';
import { moRecordProblem, readMoRecord, type MoRecord } from '../../shared/gateway/parse-mo';
import { countReply } from '../../shared/metrics';
import { secretMatches } from '../../shared/secret-compare';
import type { ServerDeps } from '../app';
import { allowList } from '../allow-list';
import { ApiError } from '../errors';
import { pushAccounts } from '../push-account';

/** One reply is a few hundred bytes; a generous limit still keeps a stray upload from being read whole. */
const BODY_LIMIT = 1024 * 1024;

export const REPLY_PUSH_PATH = '/v1/replies/:token';
export const ACCOUNT_REPLY_PUSH_PATH = '/v1/replies/:token/accounts/:account';

type Params = { token: string; account?: string };

export async function replyPushRoutes(app: FastifyInstance, { ctx }: ServerDeps): Promise<void> {
  const { token, allowedIps } = ctx.config.replies;
  const allowed = allowList(allowedIps);
  const checkAccount = pushAccounts(ctx.config);
  // As for delivery reports: the body is read as text whatever its declared type, and parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Checked in onRequest, before the body is read: a caller without the token costs us no upload. The account is
  // checked after the token, so that a caller without it learns nothing of which accounts there are.
  const onRequest = async (req: FastifyRequest<{ Params: Params }>) => {
    if (allowed && !allowed(req.ip)) throw new ApiError('FORBIDDEN', `address ${req.ip} may not push replies (REPLY_ALLOWED_IPS)`);
    if (token === undefined) throw new ApiError('UNAUTHORIZED', 'replies are not enabled on this server: set REPLY_TOKEN');
    if (!secretMatches(req.params.token, token)) throw new ApiError('UNAUTHORIZED', 'wrong reply token');
    checkAccount(req.params.account);
  };

  const handler = async (req: FastifyRequest<{ Params: Params }>) => {
    const { records, invalid } = parseReplyPush(typeof req.body === 'string' ? req.body : '', Date.now());
    if (invalid.length > 0) countReply('push', 'invalid', invalid.length);
    const replies = await ctx.replies.record(records, 'push');
    return { received: records.length + invalid.length, replies, invalid };
  };
  app.post<{ Params: Params }>(REPLY_PUSH_PATH, { bodyLimit: BODY_LIMIT, onRequest }, handler);
  app.post<{ Params: Params }>(ACCOUNT_REPLY_PUSH_PATH, { bodyLimit: BODY_LIMIT, onRequest }, handler);
}

/**
 * Replies one push may carry: the gateway pushes one per POST, recordMo pages hold 100; a larger body is refused
 * whole rather than read into thousands of writes.
 */
const MAX_REPLIES_PER_PUSH = 100;

/** The pushed body: one reply object or an array of them; a reply without a number, or over a limit, is listed as invalid. */
function parseReplyPush(body: string, receivedAt: number): { records: MoRecord[]; invalid: Array<{ index: number; reason: string }> } {
  let raw: unknown;
  try {
    raw = JSON.parse(quoteLongIntegers(body));
  } catch {
    countReply('push', 'invalid');
    throw new ApiError('BAD_REQUEST', 'not a reply: the body is not JSON');
  }
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0 || (!Array.isArray(raw) && !isObject(raw))) {
    countReply('push', 'invalid');
    throw new ApiError('BAD_REQUEST', 'not a reply: send one reply object or an array of them');
  }
  if (items.length > MAX_REPLIES_PER_PUSH) {
    countReply('push', 'invalid');
    throw new ApiError('BAD_REQUEST', `${items.length} replies in one body; the limit is ${MAX_REPLIES_PER_PUSH} (nothing was stored)`);
  }
  const records: MoRecord[] = [];
  const invalid: Array<{ index: number; reason: string }> = [];
  items.forEach((item, index) => {
    const record = isObject(item) ? readMoRecord(item) : null;
    const problem = record ? moRecordProblem(record, receivedAt) : isObject(item) ? 'no number' : 'not an object';
    if (record && problem === null) records.push(record);
    else invalid.push({ index, reason: problem ?? 'not a reply' });
  });
  return { records, invalid };
}
