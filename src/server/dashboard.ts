/**
 * bull-board at /admin/queues over smsq's queues: campaigns (one split job per campaign), batches (one job per
 * batch, whose returnvalue counts its outcomes and shows the first failures), delivery, replies and webhooks. Behind
 * basic auth when DASHBOARD_USER and DASHBOARD_PASSWORD are set; without them the server only listens on 127.0.0.1
 * (see startServer). It is for looking, and for retrying failed jobs: see dashboard-writes.ts.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from './app';
import { basicAuth } from './auth';
import { sameOriginOnly } from './browser-guards';
import { dashboardWritesAllowed, recordDashboardWrites } from './dashboard-writes';

export const DASHBOARD_PATH = '/admin/queues';

const DESCRIPTIONS = {
  campaigns: 'One job per campaign: it splits the campaign into batch jobs.',
  batches:
    'One job per batch of up to 1000 recipients; its result counts them by outcome and lists the first failed or unknown (each msgId: smsq results).',
  delivery: 'One job per run of the delivery-report poller (getReport for messages still without a report); its result says what it found.',
  webhooks: 'One job per webhook event (its id is the webhook-id); failed jobs are events whose retries ran out or that got 410 Gone.',
};

/** Registered with `{ prefix: DASHBOARD_PATH }`. */
export async function dashboard(app: FastifyInstance, { ctx, config }: ServerDeps): Promise<void> {
  const { dashboard: credentials, dashboardReadOnly } = config.server;
  if (credentials) app.addHook('onRequest', basicAuth(credentials));
  app.addHook('onRequest', sameOriginOnly({ requireJson: false }));
  app.addHook('onRequest', dashboardWritesAllowed(ctx.queues));
  app.addHook('onResponse', recordDashboardWrites(ctx));
  const serverAdapter = new FastifyAdapter().setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [ctx.queues.campaigns, ctx.queues.batches, ctx.queues.delivery, ctx.queues.replies, ctx.queues.webhooks].map(
      // readOnlyMode refuses the write endpoints themselves (retry included), not just the buttons. bull-board has
      // no option for its other writes (add, edit, promote, clean…): dashboardWritesAllowed refuses them.
      (q) => new BullMQAdapter(q, { readOnlyMode: dashboardReadOnly, description: DESCRIPTIONS[q.name as keyof typeof DESCRIPTIONS] }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'smsq' } },
  });
  // bull-board's page asks fonts.googleapis.com for its fonts: that link is taken out (the page falls back to the
  // browser's sans-serif), and a policy keeps the page on this server. bull-board itself needs inline styles.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html') || typeof payload !== 'string') return payload;
    reply.header('content-security-policy', DASHBOARD_CSP);
    return payload.replace(EXTERNAL_FONTS, '');
  });
  await app.register(serverAdapter.registerPlugin());
}

const EXTERNAL_FONTS = /<link[^>]+href="https:\/\/fonts\.googleapis\.com[^>]*>\s*/g;
const DASHBOARD_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'self'; frame-ancestors 'none'";
