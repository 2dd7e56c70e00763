import { Readable } from 'node:stream';
import { readRecipients, type RawRow, type RecipientFormat } from '../../src/producer/read-recipients';

/** The text's UTF-8 bytes as a stream of `size`-byte chunks, so chunks end mid-line and mid-character. */
export function chunked(text: string | Buffer, size: number): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Reads the text in every chunk size from 1 byte to whole, and checks that all of them read the same rows. */
export async function readAllWays(text: string | Buffer, format: RecipientFormat): Promise<RawRow[]> {
  const whole = await collect(readRecipients(Readable.from([Buffer.from(text)]), format));
  for (const size of [1, 2, 3, 5, 7]) {
    expect(await collect(readRecipients(chunked(text, size), format))).toEqual(whole);
  }
  return whole;
}

/**
 * A stream that makes its `count` lines only as they are read, in 4093-byte chunks that end mid-line;
 * `made()` tells how many lines it has made so far.
 */
export function lazyLines(count: number, line: (n: number) => string): { stream: Readable; made: () => number } {
  let made = 0;
  function* chunks(): Generator<Buffer> {
    let pending = Buffer.alloc(0);
    while (made < count) {
      const lines: string[] = [];
      while (made < count && lines.length < 100) lines.push(line(++made));
      pending = Buffer.concat([pending, Buffer.from(`${lines.join('\n')}\n`)]);
      for (; pending.length >= 4093; pending = pending.subarray(4093)) yield pending.subarray(0, 4093);
    }
    if (pending.length > 0) yield pending;
  }
  return { stream: Readable.from(chunks()), made: () => made };
}
