/**
 * What the CLI writes. Text from outside — reply texts, orderIds, field values, a gateway's reasons — goes through
 * `visible`, so a terminal never acts on it: an ESC that clears the screen or retitles the window, a CR that
 * overwrites a line, a C1 control. And a reader that stops reading (`smsq results ID | head -1`) ends a command
 * quietly: stdout's EPIPE stops the command, which closes what it opened and exits 0.
 */

/** C0 controls but tab and LF (the layout's own), DEL and C1: shown as `\u001b`, never sent to the terminal. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Thrown by the writes below once stdout's reader has gone: the command stops, and exits 0 (main). */
export class OutputClosed extends Error {}

/** How stdout failed (EPIPE, or another error of the stream), once it has. */
let failed: NodeJS.ErrnoException | null = null;

/**
 * Called once by the entry point: without a listener, stdout's EPIPE is an uncaught error (a stack trace, exit 1).
 * stderr's errors are dropped: there is nowhere left to report them.
 */
export function watchOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    failed ??= err;
  });
  process.stderr.on('error', () => undefined);
}

function check(): void {
  if (failed === null) return;
  // A reader gone is the usual end of `| head`; any other failure (a full disk) is the command's failure.
  throw failed.code === 'EPIPE' || failed.code === 'ERR_STREAM_DESTROYED' ? new OutputClosed('stdout was closed') : failed;
}

/** Writes to stdout, with control characters made visible, and waits while the reader is behind. */
export async function out(text: string): Promise<void> {
  check();
  if (process.stdout.write(visible(text))) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done).off('error', done).off('close', done);
      resolve();
    };
    process.stdout.on('drain', done).on('error', done).on('close', done);
  });
  check();
}

/** Writes to stderr, with control characters made visible. */
export function say(text: string): void {
  process.stderr.write(visible(text));
}

/**
 * Writes `head`, then one line per item, in chunks of 64 KiB: a million lines never sit in memory, and a reader
 * that stops (EPIPE) stops the reading of the items too.
 */
export async function outLines<T>(head: string, items: AsyncIterable<T>, line: (item: T) => string): Promise<void> {
  let chunk = head;
  for await (const item of items) {
    chunk += `${line(item)}\n`;
    if (chunk.length > 64 * 1024) {
      await out(chunk);
      chunk = '';
    }
  }
  if (chunk) await out(chunk);
}
