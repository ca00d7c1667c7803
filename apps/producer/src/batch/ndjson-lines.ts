/** One line of a newline-delimited body: its bytes, or only that it was longer than allowed. */
export type BodyLine =
  | { readonly number: number; readonly bytes: Buffer; readonly tooLong?: undefined }
  | { readonly number: number; readonly bytes?: undefined; readonly tooLong: true };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into its lines (`\n` or `\r\n`), numbered from 1, a chunk at a time: the
 * caller reads the next chunk when it is ready for more, so a body is never read faster than it
 * is handled (a line at a time through an async generator was a tenth of a streamed batch's
 * CPU). A line longer than `maxLineBytes` is reported as too long and its bytes are dropped as
 * they come, so no line, however long, is held in memory whole. Empty lines are numbered but
 * not returned.
 */
export class NdjsonLines {
  #parts: Buffer[] = [];
  #length = 0;
  #tooLong = false;
  #number = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines `chunk` completes, in order. */
  push(chunk: Buffer): BodyLine[] {
    const lines: BodyLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const stop = newline === -1 ? chunk.length : newline;
      if (!this.#tooLong) {
        // One byte of slack for the `\r` of a `\r\n` ending.
        if (this.#length + (stop - start) > this.maxLineBytes + 1) {
          this.#tooLong = true;
          this.#parts.length = 0;
          this.#length = 0;
        } else if (stop > start) {
          this.#parts.push(chunk.subarray(start, stop));
          this.#length += stop - start;
        }
      }
      if (newline === -1) break;
      this.#endLine(lines);
      start = newline + 1;
    }
    return lines;
  }

  /** The last line, when the body did not end with a newline. */
  end(): BodyLine[] {
    const lines: BodyLine[] = [];
    if (this.#length > 0 || this.#tooLong) this.#endLine(lines);
    return lines;
  }

  #endLine(lines: BodyLine[]): void {
    this.#number += 1;
    const number = this.#number;
    if (this.#tooLong) lines.push({ number, tooLong: true });
    else if (this.#length > 0) {
      const parts = this.#parts;
      let bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#length);
      if (bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1);
      if (bytes.length > 0) lines.push({ number, bytes });
    }
    // The array is reused: a line's bytes are a subarray of a chunk, or a copy.
    this.#parts.length = 0;
    this.#length = 0;
    this.#tooLong = false;
  }
}
