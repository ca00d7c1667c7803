import { HttpProblem, methodNotAllowed, rateLimit } from '@demo-kafka/app-kit';
import express, { Router, type Request, type RequestHandler } from 'express';
import { SinkError, type RecordAck, type RecordSink } from '../kafka/record-sink.js';
import type { RecordHeaderLimits } from '../headers/record-header-limits.js';
import { requestRecordContext } from '../headers/request-record-headers.js';
import { ackJson } from '../batch/answer-lines.js';
import { isNdjsonBatch, ndjsonBatchHandler } from '../batch/ndjson-batch-handler.js';
import type { OpenBatches } from '../batch/open-batches.js';
import { recordKeyOf } from './record-key.js';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf } from '../idempotency/idempotency-key.js';
import {
  IdempotencyConflict,
  IdempotencyMismatch,
  type IdempotentWrites,
} from '../idempotency/idempotent-writes.js';

/** Where users post: `curl <host>:30776/messages -d Hello`. */
export const MESSAGES_PATH = '/messages';

export interface MessagesRouteOptions {
  readonly sink: RecordSink;
  readonly maxMessageBytes: number;
  readonly recordHeaderLimits: RecordHeaderLimits;
  /** Who may post (absent: anyone). */
  readonly guard: RequestHandler | undefined;
  /** POSTs a second one client may make in this process (zero: no limit). */
  readonly postsPerSecond: number;
  readonly produceTimeoutMs: number;
  /** A streamed batch whose body sends nothing for this long is ended. */
  readonly batchIdleTimeoutMs: number;
  readonly openBatches: OpenBatches;
  /** Writes under an `Idempotency-Key` (undefined: the header is ignored). */
  readonly idempotent: IdempotentWrites | undefined;
}

/**
 * `POST /messages`: the raw body, whatever its content type, becomes the record value, and
 * `Kafka-Header-*`, the content type, CloudEvents attributes and trace context its headers. Answers
 * after Kafka acknowledged it: the message as text, or `{topic, partition, offset, timestamp, id}`
 * for a client that asks for JSON.
 */
export function messagesRoute(options: MessagesRouteOptions): Router {
  const router = Router();
  // Any content type: curl -d sends application/x-www-form-urlencoded, and its bytes are the message.
  const rawBody = express.raw({ type: () => true, limit: options.maxMessageBytes });
  const retryAfter = String(Math.max(1, Math.ceil(options.produceTimeoutMs / 2000)));
  const batch = ndjsonBatchHandler({
    sink: options.sink,
    maxLineBytes: options.maxMessageBytes,
    recordHeaderLimits: options.recordHeaderLimits,
    idleTimeoutMs: options.batchIdleTimeoutMs,
    // Enough to fill several produce requests while the client's next lines arrive.
    maxLinesInFlight: 2_000,
    openBatches: options.openBatches,
    retryAfter,
  });
  // `Content-Type: application/x-ndjson` is a batch, read as a stream; anything else is one record.
  const batchOrNext: RequestHandler = (req, res, next) => {
    if (!isNdjsonBatch(req)) return next();
    if (options.idempotent && req.headers[IDEMPOTENCY_KEY_HEADER] !== undefined)
      throw new HttpProblem(
        400,
        'Bad Request',
        'Idempotency-Key applies to one record: post the records of a batch one by one to give each its key',
      );
    return batch(req, res, next);
  };

  const produce: RequestHandler = async (req, res) => {
    const { idempotent } = options;
    const idempotencyKey = idempotent
      ? idempotencyKeyOf(req.get(IDEMPOTENCY_KEY_HEADER))
      : undefined;
    const value = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (value.length === 0)
      throw new HttpProblem(
        400,
        'Bad Request',
        'the message is empty: send it as the request body, e.g. curl -d Hello',
      );
    // Read and checked before anything is written: a bad header or key loses only this request.
    const context = requestRecordContext(req.rawHeaders, value, options.recordHeaderLimits);
    const key = recordKeyOf(req) ?? context.partitionKey;
    const record = { value, key, headers: context.headers };
    let ack: RecordAck;
    try {
      if (idempotent && idempotencyKey !== undefined) {
        const outcome = await idempotent.write(record, idempotencyKey);
        ack = outcome.ack;
        if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
      } else ack = await options.sink.write(record);
    } catch (error) {
      if (error instanceof IdempotencyConflict)
        throw new HttpProblem(409, 'Conflict', error.message, {
          'Retry-After': String(error.retryAfterS),
        });
      if (error instanceof IdempotencyMismatch)
        throw new HttpProblem(422, 'Unprocessable Content', error.message);
      if (error instanceof SinkError && error.kind === 'too-large')
        throw new HttpProblem(413, 'Payload Too Large', error.message);
      if (error instanceof SinkError)
        throw new HttpProblem(503, 'Service Unavailable', error.message, {
          'Retry-After': retryAfter,
        });
      throw error;
    }
    if (wantsJson(req)) {
      res.json(ackJson(ack));
    } else {
      res.type('text/plain; charset=utf-8').send(value);
    }
  };

  // After the guard, so a client with a token is counted by its subject.
  const admit = [
    options.guard,
    options.postsPerSecond > 0 ? rateLimit(options.postsPerSecond, 'POSTs') : undefined,
  ].filter((handler): handler is RequestHandler => handler !== undefined);
  router.post(MESSAGES_PATH, ...admit, batchOrNext, rawBody, produce);
  router.all(MESSAGES_PATH, methodNotAllowed(['POST']));
  return router;
}

/** Content negotiation, without it for the clients that state no preference (curl, most tools). */
function wantsJson(req: Request): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || accept === '*/*' || accept === 'text/plain') return false;
  return req.accepts(['text/plain', 'application/json']) === 'application/json';
}
