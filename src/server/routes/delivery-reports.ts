/**
 * POST /v1/delivery-reports/:token — where the gateway pushes delivery reports (pushSmsReport) of the `default`
 * account's messages; POST /v1/delivery-reports/:token/accounts/:account — those of a named account's, each account
 * having its own push address (msgIds are unique only within an account). The push has no signature and no bearer
 * token can be configured for it, so the path carries a secret (DLR_TOKEN), compared in constant time, optionally
 * with an address allow list (DLR_ALLOWED_IPS).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_ACCOUNT } from '../../shared/config';
import { parsePushBody } from '../../shared/delivery/report';
import { countReport } from '../../shared/metrics';
import { secretMatches } from '../../shared/secret-compare';
import type { ServerDeps } from '../app';
import { allowList } from '../allow-list';
import { ApiError } from '../errors';
import { pushAccounts } from '../push-account';

/** A push is a few reports; a generous limit still keeps a stray upload from being read whole. */
const BODY_LIMIT = 5 * 1024 * 1024;

export const DELIVERY_REPORTS_PATH = '/v1/delivery-reports/:token';
export const ACCOUNT_DELIVERY_REPORTS_PATH = '/v1/delivery-reports/:token/accounts/:account';

type Params = { token: string; account?: string };

export async function deliveryReportRoutes(app: FastifyInstance, { ctx, log }: ServerDeps): Promise<void> {
  const { token, allowedIps, tracking } = ctx.config.delivery;
  const allowed = allowList(allowedIps);
  const checkAccount = pushAccounts(ctx.config);
  // Gateways send JSON under various content types (text/plain, form): the body is read as text, whatever it is
  // declared as, and parsed here so that long numeric msgIds keep their digits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Checked in onRequest, before the body is read: a caller without the token costs us no upload. The account is
  // checked after the token, so that a caller without it learns nothing of which accounts there are.
  const onRequest = async (req: FastifyRequest<{ Params: Params }>) => {
    if (allowed && !allowed(req.ip)) throw new ApiError('FORBIDDEN', `address ${req.ip} may not push delivery reports (DLR_ALLOWED_IPS)`);
    if (token === undefined) throw new ApiError('UNAUTHORIZED', 'delivery reports are not enabled on this server: set DLR_TOKEN');
    if (!tracking) throw new ApiError('UNAUTHORIZED', 'delivery reports are turned off on this server (DLR_TRACKING=false)');
    if (!secretMatches(req.params.token, token)) throw new ApiError('UNAUTHORIZED', 'wrong delivery-report token');
    checkAccount(req.params.account);
  };

  const handler = async (req: FastifyRequest<{ Params: Params }>) => {
    let parsed;
    try {
      parsed = parsePushBody(typeof req.body === 'string' ? req.body : '', Date.now());
    } catch (err) {
      countReport('push', 'invalid');
      throw new ApiError('BAD_REQUEST', `not a delivery report: ${(err as Error).message}`);
    }
    const account = req.params.account ?? DEFAULT_ACCOUNT;
    if (parsed.invalid.length > 0) {
      countReport('push', 'invalid', parsed.invalid.length);
      log.warn({ invalid: parsed.invalid.slice(0, 10), count: parsed.invalid.length, account }, 'delivery reports with bad fields skipped');
    }
    const counts = await ctx.delivery.record(parsed.reports, 'push', account);
    return { received: parsed.reports.length + parsed.invalid.length, ...counts, invalid: parsed.invalid };
  };
  app.post<{ Params: Params }>(DELIVERY_REPORTS_PATH, { bodyLimit: BODY_LIMIT, onRequest }, handler);
  app.post<{ Params: Params }>(ACCOUNT_DELIVERY_REPORTS_PATH, { bodyLimit: BODY_LIMIT, onRequest }, handler);
}
