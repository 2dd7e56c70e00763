/**
 * GET <LINK_BASE_URL's path>/<code>: a tracked link, answered with a 302 to its original URL and the visit counted
 * (links/link-store.ts). No login, no API work: the code is its own proof, the answer is one Redis script, and the
 * route sits outside every hook but the server's own headers, so that it stays fast and cheap (docs/performance.md
 * measures it). An unknown or expired code is a plain 404 page; a Redis that does not answer in time a plain 503; a
 * client past LINK_MISS_LIMIT unknown codes this minute a plain 429 (link-misses.ts).
 */
import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import { CODE_PATTERN } from '../../shared/links/link-text';
import type { VisitKind } from '../../shared/links/link-store';
import { isRobot } from '../../shared/links/robots';
import { metrics } from '../../shared/metrics';
import type { ServerDeps } from '../app';
import { LinkMisses } from '../link-misses';

/** A redirect waits this long for Redis at most: a browser is left with a clear answer, not a spinning page. */
const REDIS_DEADLINE_MS = 2_000;

/** Not in /openapi.json: its path is LINK_BASE_URL's, and it is no API (docs/http-api.md describes it). */
const HIDDEN = { hide: true } as FastifySchema;

const GONE_PAGE = 'This link is unknown, or it has expired.\n';
const BUSY_PAGE = 'This link cannot be followed right now. Please try again in a minute.\n';
const SLOW_DOWN_PAGE = 'Too many unknown links were asked for from this address. Please try again in a minute.\n';

/** Whether `path` (a request's, without its query) is a tracked link's under `basePath`: no login or host rule applies to it. */
export function isLinkPath(basePath: string, path: string): boolean {
  return path.startsWith(`${basePath}/`) && CODE_PATTERN.test(path.slice(basePath.length + 1));
}

export async function linkRoutes(app: FastifyInstance, { ctx }: ServerDeps): Promise<void> {
  const { basePath, missLimit } = ctx.config.links;
  const misses = new LinkMisses(missLimit);
  const gone = (reply: FastifyReply, address: string): FastifyReply => {
    misses.miss(address);
    metrics.linkClicks.labels('unknown').inc();
    return plain(reply, 404, GONE_PAGE);
  };
  // Fastify answers HEAD with this same handler (exposeHeadRoutes), which counts it apart from clicks.
  app.get<{ Params: { code: string } }>(`${basePath}/:code`, { schema: HIDDEN }, async (req, reply) => {
    const { code } = req.params;
    if (misses.blocked(req.ip)) {
      metrics.linkClicks.labels('refused').inc();
      return plain(reply, 429, SLOW_DOWN_PAGE).header('retry-after', String(misses.retryAfter(req.ip)));
    }
    if (!CODE_PATTERN.test(code)) return gone(reply, req.ip);
    const kind: VisitKind = req.method === 'HEAD' ? 'head' : isRobot(req.headers['user-agent']) ? 'robot' : 'click';
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), REDIS_DEADLINE_MS);
    });
    let followed;
    try {
      followed = await Promise.race([ctx.links.follow(code, kind), deadline]);
    } catch (err) {
      ctx.log.warn({ err }, 'tracked link not followed: Redis refused');
      followed = 'late' as const;
    } finally {
      clearTimeout(timer);
    }
    if (followed === 'late') return plain(reply, 503, BUSY_PAGE).header('retry-after', '60');
    if (followed === null) return gone(reply, req.ip);
    const location = safeLocation(followed.url);
    if (location === null) return gone(reply, req.ip);
    metrics.linkClicks.labels(kind).inc();
    if (followed.eventsDropped > 0) metrics.webhookEvents.labels('link.clicked', 'click-dropped').inc(followed.eventsDropped);
    // Never cached: each visit must reach the server to be counted, and the link is one recipient's.
    return reply.header('cache-control', 'private, no-store').redirect(location, 302);
  });
}

function plain(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(text);
}

/**
 * The URL as a Location header can carry it: parsed (so non-ASCII characters are percent-encoded and a host name
 * turned to its ASCII form), http or https only; null for anything else, which is never redirected to.
 */
function safeLocation(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
