import { baseSettingsSpec, readSettings } from '@demo-kafka/config';
import { accessScopeSetting, accessSettingsSpec, tlsSettingsSpec } from '@demo-kafka/app-kit';
import { COMPRESSION_NAMES, type CompressionName, compressionType } from '@demo-kafka/kafka-client';
import { EnvError, makeValidator, num, str } from 'envalid';
import { defaultWorkers } from './cluster/default-workers.js';
import { DEFAULT_RECORD_HEADER_LIMITS } from './headers/record-header-limits.js';

type Env = Readonly<Record<string, string | undefined>>;

const workerCount = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new EnvError('expected a whole number from 1 to 64');
  return n;
});

const compression = makeValidator<CompressionName>((input) => {
  const name = COMPRESSION_NAMES.find((each) => each === input);
  if (name === undefined) throw new EnvError(`expected one of ${COMPRESSION_NAMES.join(', ')}`);
  // Asked for a codec this Node cannot write (zstd before 22.15): refused at start-up, not per send.
  try {
    compressionType(name);
  } catch (error) {
    throw new EnvError(error instanceof Error ? error.message : String(error));
  }
  return name;
});

/** The producer's settings: the shared ones plus its own limits. */
export const producerSettingsSpec = {
  ...baseSettingsSpec,
  MAX_MESSAGE_BYTES: num({
    default: 1024 * 1024,
    desc: 'largest accepted message body, in bytes (413 above it)',
  }),
  PRODUCE_TIMEOUT_MS: num({
    default: 10_000,
    desc: 'longest a POST waits for Kafka before answering 503',
  }),
  BATCH_MAX_RECORDS: num({ default: 500, desc: 'most records coalesced into one produce request' }),
  BATCH_MAX_BYTES: num({
    default: 512 * 1024,
    desc: 'most message bytes coalesced into one produce request',
  }),
  BATCH_IDLE_TIMEOUT_MS: num({
    default: 30_000,
    desc: 'a streamed batch (application/x-ndjson) whose body sends nothing for this long is ended',
  }),
  KAFKA_COMPRESSION: compression({
    default: 'none',
    desc: 'codec of the record batches written: none, gzip, snappy, lz4, zstd (zstd needs Node 22.15+)',
  }),
  CORS_ORIGINS: str({
    default: '*',
    desc: 'origins whose pages may post (the consumer page is on another port): * or a comma-separated list',
  }),
  WORKERS: workerCount({
    default: defaultWorkers(),
    desc:
      'producer processes behind the one port (node:cluster); default: the CPUs this ' +
      'container may use (affinity, cgroup quota), no more than its memory limit holds, at most 4',
  }),
  MAX_RECORD_HEADERS: num({
    default: DEFAULT_RECORD_HEADER_LIMITS.maxCount,
    desc: 'most headers on one record (Kafka-Header-*, content-type, ce_*, traceparent, tracestate; 431 above it)',
  }),
  MAX_RECORD_HEADER_BYTES: num({
    default: DEFAULT_RECORD_HEADER_LIMITS.maxBytes,
    desc: 'most bytes of header names and values on one record (431 above it)',
  }),
  PRODUCER_TOKEN: str({
    default: '',
    desc: 'when set, POST /messages needs Authorization: Bearer <token> (one shared secret; AUTH_* is the other way)',
  }),
  MAX_CLIENT_POSTS_PER_SECOND: num({
    default: 0,
    desc: 'POSTs a second one client (token subject, or address without tokens) may make; more get 429; 0: no limit',
  }),
  IDEMPOTENCY_WINDOW: num({
    default: 10,
    desc:
      'minutes a POST with an Idempotency-Key is remembered: a retry within it, to any replica, ' +
      'answers the first write and writes nothing; 0: the header is ignored',
  }),
  ...accessSettingsSpec,
  ...tlsSettingsSpec,
  AUTH_WRITE_SCOPE: accessScopeSetting('messages:write', 'post'),
};

export type ProducerSettings = ReturnType<typeof readProducerSettings>;

/** Reads and validates the producer's settings from the environment. */
export function readProducerSettings(env: Env = process.env) {
  return readSettings(producerSettingsSpec, env);
}
