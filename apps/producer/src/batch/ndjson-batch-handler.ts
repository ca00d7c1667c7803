import { HttpProblem, problemFor } from '@demo-kafka/app-kit';
import type { Request, RequestHandler } from 'express';
import type { RecordHeaderLimits } from '../headers/record-header-limits.js';
import { SinkError, type OutgoingRecord, type RecordSink } from '../kafka/record-sink.js';
import { ackLine, problemLine } from './answer-lines.js';
import { batchLineRecord } from './batch-line-record.js';
import { NdjsonLines, type BodyLine } from './ndjson-lines.js';
import type { OpenBatches } from './open-batches.js';
import { OrderedAnswers } from './ordered-answers.js';

/** The content type of a batch: one JSON object a line, in and out. */
export const NDJSON_TYPE = 'application/x-ndjson';

export interface NdjsonBatchOptions {
  readonly sink: RecordSink;
  /** Longest line, in bytes (MAX_MESSAGE_BYTES): a longer one is answered 413 and skipped. */
  readonly maxLineBytes: number;
  readonly recordHeaderLimits: RecordHeaderLimits;
  /** A body that sends nothing for this long is ended, with a last line saying so. */
  readonly idleTimeoutMs: number;
  /** Lines written but not yet answered, at most: beyond it the body is not read further. */
  readonly maxLinesInFlight: number;
  readonly openBatches: OpenBatches;
  /** Seconds a line answered 503 should wait before it is sent again (the single POST's Retry-After). */
  readonly retryAfter: string;
}

/** Whether the request is a batch (`Content-Type: application/x-ndjson`). */
export function isNdjsonBatch(req: Request): boolean {
  // Asked of every POST: a test of the header, not a media-type parse.
  const type = req.headers['content-type'];
  return type !== undefined && NDJSON_CONTENT_TYPE.test(type);
}

const NDJSON_CONTENT_TYPE = /^\s*application\/x-ndjson\s*(;|$)/i;

/**
 * `POST /messages` with `Content-Type: application/x-ndjson`: each line a record (see
 * batch-line-record.ts), answered `200` at once with an `application/x-ndjson` body of one line
 * per non-empty input line, in order: the line's JSON ack once Kafka acknowledged it, or an error
 * object for a line that was not written (the other lines are). The body is read as it arrives,
 * no faster than its records are acknowledged and their answers taken by the client, so a
 * stream of any length holds at most `maxLinesInFlight` lines in memory.
 */
export function ndjsonBatchHandler(options: NdjsonBatchOptions): RequestHandler {
  const problemText = (line: number, problem: HttpProblem, extra: object = {}): string =>
    `${JSON.stringify({ ...problemLine(line, problem), ...extra })}\n`;
  const sinkErrorText = (line: number, error: SinkError): string =>
    error.kind === 'too-large'
      ? problemText(line, new HttpProblem(413, 'Payload Too Large', error.message))
      : problemText(line, new HttpProblem(503, 'Service Unavailable', error.message), {
          retryAfter: options.retryAfter,
        });
  /** The answer lines of a chunk's lines, in order: their records are written together. */
  const answersOf = async (lines: readonly BodyLine[]): Promise<string> => {
    const texts = new Array<string>(lines.length);
    const records: OutgoingRecord[] = [];
    const places: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as BodyLine;
      if (line.tooLong) {
        texts[i] = problemText(
          line.number,
          new HttpProblem(
            413,
            'Payload Too Large',
            `the line is longer than ${options.maxLineBytes} bytes (MAX_MESSAGE_BYTES)`,
          ),
        );
        continue;
      }
      try {
        records.push(batchLineRecord(line.bytes, options.recordHeaderLimits));
        places.push(i);
      } catch (error) {
        texts[i] = problemText(line.number, problemFor(error));
      }
    }
    let outcomes: Awaited<ReturnType<RecordSink['writeAll']>>;
    try {
      outcomes = records.length > 0 ? await options.sink.writeAll(records) : [];
    } catch (error) {
      // Not a record's outcome but the sink's own failure: each of these lines says so.
      for (const place of places)
        texts[place] = problemText((lines[place] as BodyLine).number, problemFor(error));
      return texts.join('');
    }
    for (let j = 0; j < outcomes.length; j++) {
      const place = places[j] as number;
      const outcome = outcomes[j];
      texts[place] =
        outcome === undefined || outcome instanceof SinkError
          ? sinkErrorText(
              (lines[place] as BodyLine).number,
              outcome ?? new SinkError('unavailable', 'no outcome'),
            )
          : ackLine(outcome);
    }
    return texts.join('');
  };

  return async (req, res) => {
    // Sent with the first answer line: a body with no line at all is still answered 400.
    res.status(200).type(`${NDJSON_TYPE}; charset=utf-8`);
    res.setHeader('Cache-Control', 'no-store');
    const answers = new OrderedAnswers(res, options.maxLinesInFlight);
    // Why the batch ended before its body did (idle, shutdown), or undefined: the client left.
    let ended: ((why: HttpProblem | undefined) => void) | undefined;
    const stopped = new Promise<HttpProblem | undefined>((resolve) => {
      ended = resolve;
    });
    let why: HttpProblem | undefined;
    void stopped.then((reason) => {
      why = reason;
    });
    const unregister = options.openBatches.add(() =>
      ended?.(
        new HttpProblem(
          503,
          'Service Unavailable',
          'the producer is shutting down: send the lines not answered again',
        ),
      ),
    );
    res.once('close', () => ended?.(undefined));
    // One timer for the whole batch, pushed back as bytes arrive and as answers make room.
    const idle = setTimeout(
      () =>
        ended?.(
          new HttpProblem(
            408,
            'Request Timeout',
            `no bytes for ${options.idleTimeoutMs} ms: the batch ends here`,
          ),
        ),
      options.idleTimeoutMs,
    );
    let seen = 0;
    let cutOff = false;
    const splitter = new NdjsonLines(options.maxLineBytes);
    const take = async (lines: readonly BodyLine[]): Promise<boolean> => {
      if (lines.length === 0) return true;
      seen += lines.length;
      const room = await answers.add(answersOf(lines), lines.length);
      idle.refresh();
      return room;
    };
    try {
      let open = true;
      for await (const chunk of chunksUntil(req, stopped, idle))
        if (!(await take(splitter.push(chunk)))) {
          open = false;
          break;
        }
      if (open) await take(splitter.end());
    } catch {
      // The body could not be read to its end: the client went away, or cut it off.
      cutOff = true;
    } finally {
      clearTimeout(idle);
      unregister();
    }
    const last = cutOff
      ? new HttpProblem(400, 'Bad Request', 'the request body was cut off before it ended')
      : why;
    if (seen === 0 && last === undefined)
      throw new HttpProblem(
        400,
        'Bad Request',
        'the batch has no lines: send one JSON object a line',
      );
    await answers.drain();
    if (last !== undefined && !res.destroyed) {
      res.end(problemText(seen + 1, last));
      // What is left of the body is not read: the connection cannot be reused.
      req.socket.destroySoon();
    } else res.end();
  };
}

/** The request's chunks until `stopped` settles, each pushing back the `idle` timer. */
async function* chunksUntil(
  req: Request,
  stopped: Promise<unknown>,
  idle: NodeJS.Timeout,
): AsyncGenerator<Buffer> {
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const stop = stopped.then((): undefined => undefined);
  for (;;) {
    // Raced once a chunk (many lines), not once a line.
    const next = await Promise.race([chunks.next(), stop]);
    if (next === undefined || next.done === true) return;
    idle.refresh();
    yield next.value;
  }
}
