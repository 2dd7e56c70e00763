import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies above this answer 413; a full sendSms/batch call, 1000 numbers with 1000 different 1024-character texts, stays below it. */
export const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Reads the whole request body as UTF-8. Resolves 'too-large' past the limit, but only after draining the rest,
 * so that the client reads a clean 413 instead of a reset while it is still writing. Resolves 'aborted' when
 * the client goes away first.
 */
export function readBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<string | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(bytes > limit ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve('aborted'));
  });
}

export function sendJson(res: ServerResponse, statusCode: number, value: unknown): void {
  if (res.destroyed) return;
  const body = JSON.stringify(value);
  res.writeHead(statusCode, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** An HTML page like the ones proxies and servlet containers return when the application behind them fails. */
export function sendHtml(res: ServerResponse, statusCode: number, title: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const body = `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><hr><center>nginx</center></body></html>\n`;
  res.writeHead(statusCode, {
    ...headers,
    'Content-Type': 'text/html;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Answers for requests the simulator itself rejects (not the gateway's protocol, which is always HTTP 200). */
export function sendError(res: ServerResponse, statusCode: number, reason: string, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) if (!res.headersSent) res.setHeader(k, v);
  sendJson(res, statusCode, { error: statusCode, reason });
}
