/** One line of a newline-delimited body: its bytes, or only that it was longer than allowed. */
export type BodyLine =
  | { readonly number: number; readonly bytes: Buffer; readonly tooLong?: undefined }
  | { readonly number: number; readonly bytes?: undefined; readonly tooLong: true };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The lines of a byte stream (`\n` or `\r\n`), numbered from 1, as they arrive: the caller pulls
 * the next line when it is ready for it, so a body is never read faster than it is handled. A
 * line longer than `maxLineBytes` is reported as too long and its bytes are dropped as they come,
 * so no line, however long, is held in memory whole. Empty lines are numbered but not yielded.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<BodyLine> {
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let number = 0;
  function* end(): Generator<BodyLine> {
    number += 1;
    if (tooLong) yield { number, tooLong: true };
    else if (length > 0) {
      let bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
      if (bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1);
      if (bytes.length > 0) yield { number, bytes };
    }
    parts = [];
    length = 0;
    tooLong = false;
  }
  for await (const chunk of chunks) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const stop = newline === -1 ? chunk.length : newline;
      if (!tooLong) {
        // One byte of slack for the `\r` of a `\r\n` ending.
        if (length + (stop - start) > maxLineBytes + 1) {
          tooLong = true;
          parts = [];
          length = 0;
        } else if (stop > start) {
          parts.push(chunk.subarray(start, stop));
          length += stop - start;
        }
      }
      if (newline === -1) break;
      yield* end();
      start = newline + 1;
    }
  }
  if (length > 0 || tooLong) yield* end();
}
