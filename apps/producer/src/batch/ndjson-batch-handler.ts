import { once } from 'node:events';
import { HttpProblem, problemFor, recordId } from '@demo-kafka/app-kit';
import type { Request, RequestHandler, Response } from 'express';
import type { RecordHeaderLimits } from '../headers/record-header-limits.js';
import { SinkError, type RecordAck, type RecordSink } from '../kafka/record-sink.js';
import { batchLineRecord } from './batch-line-record.js';
import { ndjsonLines, type BodyLine } from './ndjson-lines.js';
import type { OpenBatches } from './open-batches.js';

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
}

/** Whether the request is a batch (`Content-Type: application/x-ndjson`). */
export function isNdjsonBatch(req: Request): boolean {
  return req.is(NDJSON_TYPE) === NDJSON_TYPE;
}

/** A POST's JSON ack, as the single POST gives it with `Accept: application/json`. */
export function ackJson(ack: RecordAck): object {
  const { topic, partition, offset, timestampMs } = ack;
  return {
    topic,
    partition,
    offset,
    timestamp: new Date(timestampMs).toISOString(),
    id: recordId(partition, offset),
  };
}

/** An answer line for a line that was not written: problem+json's fields and the line number. */
function problemLine(line: number, problem: HttpProblem): object {
  return {
    line,
    type: 'about:blank',
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
  };
}

/**
 * `POST /messages` with `Content-Type: application/x-ndjson`: each line a record (see
 * batch-line-record.ts), answered `200` at once with an `application/x-ndjson` body of one line
 * per non-empty input line, in order: the line's JSON ack once Kafka acknowledged it, or an error
 * object for a line that was not written (the other lines are). The body is read as it arrives,
 * no faster than its records are acknowledged and their answers taken by the client, so a
 * stream of any length holds at most `maxLinesInFlight` lines in memory.
 */
export function ndjsonBatchHandler(options: NdjsonBatchOptions): RequestHandler {
  const retryAfter = '1';
  const answerOf = async (line: BodyLine): Promise<object> => {
    if (line.tooLong)
      return problemLine(
        line.number,
        new HttpProblem(
          413,
          'Payload Too Large',
          `the line is longer than ${options.maxLineBytes} bytes (MAX_MESSAGE_BYTES)`,
        ),
      );
    try {
      const record = batchLineRecord(line.bytes, options.recordHeaderLimits);
      return ackJson(await options.sink.write(record));
    } catch (error) {
      if (error instanceof SinkError && error.kind === 'too-large')
        return problemLine(line.number, new HttpProblem(413, 'Payload Too Large', error.message));
      if (error instanceof SinkError)
        return {
          ...problemLine(line.number, new HttpProblem(503, 'Service Unavailable', error.message)),
          retryAfter,
        };
      return problemLine(line.number, problemFor(error));
    }
  };

  return async (req, res) => {
    // Sent with the first answer line: a body with no line at all is still answered 400.
    res.status(200).type(`${NDJSON_TYPE}; charset=utf-8`);
    res.setHeader('Cache-Control', 'no-store');
    const answers = new OrderedAnswers(res, options.maxLinesInFlight);
    const lines = ndjsonLines(req, options.maxLineBytes)[Symbol.asyncIterator]();
    let stop: ((why: HttpProblem | undefined) => void) | undefined;
    const stopped = new Promise<HttpProblem | undefined>((resolve) => {
      stop = resolve;
    });
    const unregister = options.openBatches.add(() =>
      stop?.(
        new HttpProblem(
          503,
          'Service Unavailable',
          'the producer is shutting down: send the lines not answered again',
        ),
      ),
    );
    res.once('close', () => stop?.(undefined));
    let last: HttpProblem | undefined;
    let seen = 0;
    try {
      for (;;) {
        const idle = setTimeout(
          () =>
            stop?.(
              new HttpProblem(
                408,
                'Request Timeout',
                `no bytes for ${options.idleTimeoutMs} ms: the batch ends here`,
              ),
            ),
          options.idleTimeoutMs,
        );
        const next = await Promise.race([lines.next(), stopped]).finally(() => clearTimeout(idle));
        if (next === undefined || next instanceof HttpProblem) {
          last = next;
          break;
        }
        if (next.done) break;
        seen += 1;
        if (!(await answers.add(answerOf(next.value)))) break;
      }
    } catch {
      // The body could not be read to its end: the client went away, or cut it off.
      last = new HttpProblem(400, 'Bad Request', 'the request body was cut off before it ended');
    }
    unregister();
    if (seen === 0 && last === undefined)
      throw new HttpProblem(
        400,
        'Bad Request',
        'the batch has no lines: send one JSON object a line',
      );
    await answers.drain();
    if (last !== undefined && !res.destroyed) {
      res.end(`${JSON.stringify(problemLine(seen + 1, last))}\n`);
      // What is left of the body is not read: the connection cannot be reused.
      req.socket.destroySoon();
    } else res.end();
  };
}

/**
 * Answers written in the order of their lines, each as soon as it and those before it are
 * settled; `add` waits while `max` are pending, and while the client is not reading.
 */
class OrderedAnswers {
  readonly #pending: Array<Promise<object>> = [];
  #writing: Promise<void> = Promise.resolve();
  #running = false;
  #room: (() => void) | undefined;

  constructor(
    private readonly res: Response,
    private readonly max: number,
  ) {}

  /** Queues an answer; resolves when there is room for another (false once the client is gone). */
  async add(answer: Promise<object>): Promise<boolean> {
    this.#pending.push(answer);
    if (!this.#running) {
      this.#running = true;
      this.#writing = this.#write();
    }
    while (this.#pending.length >= this.max && !this.res.destroyed)
      await new Promise<void>((resolve) => {
        this.#room = resolve;
      });
    return !this.res.destroyed;
  }

  /** Resolves once every queued answer is written. */
  async drain(): Promise<void> {
    await this.#writing;
  }

  async #write(): Promise<void> {
    while (this.#pending.length > 0) {
      const text = `${JSON.stringify(await this.#pending[0])}\n`;
      this.#pending.splice(0, 1);
      this.#room?.();
      this.#room = undefined;
      if (this.res.destroyed) continue;
      if (!this.res.write(text))
        await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
    }
    // In the same turn as the check above: an answer added later starts a new writer.
    this.#running = false;
  }
}
