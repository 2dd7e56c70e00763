import http from 'node:http';
import https from 'node:https';
import type { WebhookConfig } from '../shared/config';
import { unpackBody, type WebhookJobData } from '../shared/webhooks/events';
import { webhookHeaders } from '../shared/webhooks/signature';

/** What one attempt came to: delivered, or why not (`label` is the endpoint-failure metric's reason). */
export type Attempt = { ok: true; status: number } | { ok: false; status?: number; reason: string; label: string; retryAfterMs?: number };

/** Keep-alive agents of one worker's webhook deliveries, one socket per concurrent attempt at most per host. */
export interface WebhookAgents {
  http: http.Agent;
  https: https.Agent;
  destroy(): void;
}

export function webhookAgents(concurrency: number): WebhookAgents {
  const opts = { keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency };
  const agents = { http: new http.Agent(opts), https: new https.Agent(opts) };
  return { ...agents, destroy: () => Object.values(agents).forEach((a) => a.destroy()) };
}

/**
 * One POST, bounded as a whole by WEBHOOK_TIMEOUT_MS. Node's http rather than fetch: a third of the CPU per
 * event here, redirects are not followed (the spec counts a 3xx as a failure: following it would send signed
 * events wherever it points), and no port is refused for being on the Fetch standard's blocked list.
 */
export function post(config: WebhookConfig, secret: string, agents: WebhookAgents, data: WebhookJobData): Promise<Attempt> {
  const text = unpackBody(data.payload);
  const body = Buffer.from(text, 'utf8');
  const url = new URL(data.url);
  const secure = url.protocol === 'https:';
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': 'smsq-webhooks',
          ...webhookHeaders(secret, data.id, text),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // The answer's body is not needed, but read to its end so that the connection can be used again.
        res.resume();
        res.once('end', () => finish(answered(status, res.headers['retry-after'])));
        res.once('error', (err) => finish(unreachable(err)));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, reason: `no answer within WEBHOOK_TIMEOUT_MS (${config.timeoutMs} ms)`, label: 'timeout' });
      req.destroy();
    }, config.timeoutMs);
    req.once('error', (err) => finish(unreachable(err)));
    req.end(body);
  });
}

function answered(status: number, retryAfterHeader: string | undefined): Attempt {
  if (status >= 200 && status < 300) return { ok: true, status };
  const label = status === 410 ? 'http_410' : `http_${Math.floor(status / 100)}xx`;
  const retryAfter = Number(retryAfterHeader);
  return {
    ok: false,
    status,
    reason: `HTTP ${status}`,
    label,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
  };
}

function unreachable(err: Error & { code?: string }): Attempt {
  return { ok: false, reason: `cannot reach the receiver: ${err.code ?? err.message}`, label: 'connection' };
}
