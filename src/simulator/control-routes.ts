import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { faultsToJson } from './faults';
import { readBody, sendError, sendJson } from './http-io';
import type { MoBody } from './replies';
import type { SimulatorState } from './state';

/**
 * Paths under this prefix drive a simulator running in another process (`smsq simulator`): the unnamed account's
 * routes directly under it, a named account's under `accounts/<name>/`. No auth: local use.
 */
export const CONTROL_PREFIX = '/__sim/';

/** Ledger lines per write: large enough to stream a million entries quickly, small enough to stay cheap. */
const LINES_PER_CHUNK = 1000;

/** Answers one control route of an account; `route` is what follows its control prefix ("stats", "faults", …). */
export async function handleControlRoute(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  pushReplies: (replies: MoBody[]) => number = () => 0,
): Promise<void> {
  switch (`${req.method} ${route}`) {
    case 'GET stats':
      return sendJson(res, 200, state.snapshot());
    case 'GET faults':
      return sendJson(res, 200, faultsToJson(state.faults));
    case 'POST faults':
      return withJsonBody(req, res, (patch) => sendJson(res, 200, faultsToJson(state.setFaults(patch))));
    case 'POST top-up':
      return withJsonBody(req, res, (body) => {
        const messages = (body as Record<string, unknown> | null)?.messages;
        if (typeof messages !== 'number') throw new RangeError('top-up body must be {"messages": <number>}');
        state.topUp(messages);
        sendJson(res, 200, { balance: faultsToJson(state.faults).balance });
      });
    case 'POST replies':
      // One reply {number, content, sendId?, receiveTime?} or an array; recordMo lists them, and replyUrl gets each.
      return withJsonBody(req, res, (body) => {
        const replies = state.moReplies.inject(body, Date.now());
        sendJson(res, 200, { injected: replies.length, pushed: pushReplies(replies), replies });
      });
    case 'POST reset':
      state.reset();
      return sendJson(res, 200, state.snapshot());
    case 'GET ledger':
      return streamLedger(state, res);
    default:
      return sendError(res, 404, `no control route ${req.method} ${(req.url ?? '').split('?', 1)[0]}`);
  }
}

/** Parses the body and runs `use`; a RangeError from it (bad faults, bad top-up) becomes a 400 with its message. */
async function withJsonBody(req: IncomingMessage, res: ServerResponse, use: (body: unknown) => void): Promise<void> {
  const raw = await readBody(req);
  if (raw === 'aborted') return;
  if (raw === 'too-large') return sendError(res, 413, 'body too large');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return sendError(res, 400, 'body is not valid JSON');
  }
  try {
    use(body);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    sendError(res, 400, err.message);
  }
}

/**
 * NDJSON, one LedgerEntry per line, streamed with backpressure so a million entries never form one string.
 * It stops at the entries present when the request came, so a busy simulator cannot make it endless.
 */
async function streamLedger(state: SimulatorState, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson;charset=UTF-8' });
  const total = state.ledger.size;
  function* chunks(): Generator<string> {
    let lines: string[] = [];
    let sent = 0;
    for (const entry of state.ledger.entries()) {
      if (sent++ === total) break;
      lines.push(JSON.stringify(entry));
      if (lines.length === LINES_PER_CHUNK) {
        yield lines.join('\n') + '\n';
        lines = [];
      }
    }
    if (lines.length > 0) yield lines.join('\n') + '\n';
  }
  try {
    await pipeline(Readable.from(chunks()), res);
  } catch {
    // The reader went away (or the simulator closed); there is nobody left to tell.
  }
}
