/**
 * The fast path of CSV reading. Most recipient files are plain: lines ending in LF or CRLF, no quotes. Their lines
 * are split and trimmed here, a chunk's lines decoded at once, instead of byte by byte in csv-parse. The first line
 * that is not plain — a `"`, a CR that does not end a CRLF, more than `maxLineBytes` bytes, a UTF-16 BOM at the
 * file's start — ends the fast path: from that line's first byte csv-parse reads the rest, so quoting, its errors and
 * long records keep csv-parse's meaning.
 *
 * The records are csv-parse's with `bom`, `trim`, `skip_empty_lines` and CR/LF/CRLF record ends (the tests compare
 * the two on random files). csv-parse trims the ECMAScript white space and line terminators (its `timchars`), the
 * very characters `String.prototype.trim` removes, and skips a line of nothing else as empty. So a CRLF's CR and a
 * UTF-8 BOM need nothing here: both are white space, trimmed with the first or last field. Invalid UTF-8 reads as
 * U+FFFD in both: lines and fields end at ASCII bytes, which never belong to an invalid sequence.
 */

/** Called with each record (its fields trimmed) and its 1-based line; empty lines are counted, never recorded. */
export type OnRecord = (fields: string[], line: number) => void;

const LF = 0x0a;
const LF_BYTE = Buffer.from([LF]);
/**
 * Bytes decoded into one string. V8 keeps a whole string alive while a slice of it (a field of 13 characters or
 * more) is kept, as the first bad rows are: small blocks bound that, and 4 KiB is still far above the cost per block.
 */
const BLOCK_BYTES = 4096;
/** A quote, or a CR that does not end a CRLF: that line is csv-parse's to read. */
const NOT_PLAIN = /"|\r(?!\n)/;

export class PlainCsvLines {
  /** Lines read so far, empty ones included: the number of the last one. */
  lines = 0;
  /** The bytes of the line still unfinished at the end of the last chunk. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** `maxLineBytes` bounds a plain line, its CR counted: csv-parse's `max_record_size` can only fail on a longer one. */
  constructor(
    private readonly maxLineBytes: number,
    private readonly onRecord: OnRecord,
  ) {}

  /**
   * Reads the chunk's complete lines and keeps its unfinished last line for the next chunk. Returns null, or the
   * bytes from the first line that is not plain to the chunk's end: the rest of the input is csv-parse's.
   */
  push(chunk: Buffer): Buffer | null {
    let start = 0;
    if (this.pendingBytes > 0) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) return this.keep(chunk);
      const line = Buffer.concat([...this.pending, chunk.subarray(0, lf + 1)]);
      this.pending = [];
      this.pendingBytes = 0;
      if (this.scan(line, 0, line.length) !== -1) return Buffer.concat([line, chunk.subarray(lf + 1)]);
      start = lf + 1;
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf >= start) {
      const notPlain = this.scan(chunk, start, lastLf + 1);
      if (notPlain !== -1) return chunk.subarray(notPlain);
      start = lastLf + 1;
    }
    return start < chunk.length ? this.keep(chunk.subarray(start)) : null;
  }

  /** At the end of the input: reads a last line that has no line ending. Returns as `push` does. */
  end(): Buffer | null {
    if (this.pendingBytes === 0) return null;
    // Read as if it ended with LF: csv-parse ends a record at the end of the input as at a line ending.
    const last = Buffer.concat([...this.pending, LF_BYTE]);
    this.pending = [];
    this.pendingBytes = 0;
    return this.scan(last, 0, last.length) === -1 ? null : last.subarray(0, -1);
  }

  /** Keeps an unfinished line; one already too long is handed over at once rather than buffered. */
  private keep(part: Buffer): Buffer | null {
    this.pending.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes <= this.maxLineBytes) return null;
    const rest = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return rest;
  }

  /** Reads the lines of `buf[from, to)`, which ends with LF; returns -1, or where the first line that is not plain starts. */
  private scan(buf: Buffer, from: number, to: number): number {
    if (this.utf16Bom(buf, from)) return from;
    // A block of whole lines, at most blockBytes (so none of them too long), or one longer line alone.
    const blockBytes = Math.min(BLOCK_BYTES, this.maxLineBytes + 1);
    for (let start = from; start < to;) {
      let end = to;
      if (to - start > blockBytes) {
        const lf = buf.lastIndexOf(LF, start + blockBytes - 1);
        end = (lf >= start ? lf : buf.indexOf(LF, start)) + 1;
        if (end - 1 - start > this.maxLineBytes) return start;
      }
      const notPlain = this.block(buf, start, end);
      if (notPlain !== -1) return notPlain;
      start = end;
    }
    return -1;
  }

  /** Decodes a block of whole lines at once and reads them up to the first that is not plain; returns as `scan` does. */
  private block(buf: Buffer, start: number, end: number): number {
    const text = buf.toString('utf8', start, end);
    const notPlain = text.search(NOT_PLAIN);
    const stop = notPlain === -1 ? text.length : text.lastIndexOf('\n', notPlain) + 1;
    // The next comma at or after `p`, found once for all the lines before it: most files have none, or one a line.
    let comma = text.indexOf(',');
    let read = 0;
    for (let p = 0; p < stop; read++) {
      const lf = text.indexOf('\n', p);
      this.lines++;
      if (comma === -1 || comma > lf) {
        const field = text.slice(p, lf).trim();
        if (field !== '') this.onRecord([field], this.lines);
      } else {
        const first = text.slice(p, comma).trim();
        p = comma + 1;
        comma = text.indexOf(',', p);
        if (comma === -1 || comma > lf) {
          // Two fields, the most common record after one: an array literal, where pushing allocates room for 17.
          this.onRecord([first, text.slice(p, lf).trim()], this.lines);
        } else {
          const fields = [first];
          for (; comma !== -1 && comma < lf; comma = text.indexOf(',', p)) {
            fields.push(text.slice(p, comma).trim());
            p = comma + 1;
          }
          fields.push(text.slice(p, lf).trim());
          this.onRecord(fields, this.lines);
        }
      }
      p = lf + 1;
    }
    if (notPlain === -1) return -1;
    // Found once per file: the byte where that line starts (decoded lengths differ from byte lengths).
    let at = start;
    for (let i = 0; i < read; i++) at = buf.indexOf(LF, at) + 1;
    return at;
  }

  /** csv-parse reads a file that starts with a UTF-16LE BOM as UTF-16: that file is csv-parse's alone. */
  private utf16Bom(buf: Buffer, at: number): boolean {
    return this.lines === 0 && buf[at] === 0xff && buf[at + 1] === 0xfe;
  }
}
