import { kafkajsRequire } from './kafkajs-version.js';
import { swapKafkajsModule } from './kafkajs-module-swap.js';
import {
  type RecordFields,
  recordBodySize,
  recordSize,
  writeRecord,
} from './record-encoder-fix.js';

/** The produce request (v3; v4 to v7 are built on it) as kafkajs' producer hands it over. */
interface ProduceArgs {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  readonly producerId?: unknown;
  readonly producerEpoch?: number;
  readonly compression?: number;
  readonly topicData: ReadonlyArray<{
    readonly topic: string;
    readonly partitions: ReadonlyArray<{
      readonly partition: number;
      readonly firstSequence?: number;
      readonly messages: ReadonlyArray<RecordFields & { readonly timestamp?: unknown }>;
    }>;
  }>;
}

/** What kafkajs' request framing takes from an encoded request body (it checks `buf` is a Buffer). */
interface EncodedBody {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

interface ProduceRequest {
  encode(): Promise<EncodedBody>;
}

type ProduceRequestModule = (args: ProduceArgs) => ProduceRequest;
type Messages = ProduceArgs['topicData'][number]['partitions'][number]['messages'];

/** A partition's records measured: each one's body size and time delta, and the batch's times. */
interface RecordsLayout {
  readonly bodies: number[];
  readonly deltas: number[];
  /** Bytes of all the records. */
  readonly size: number;
  readonly firstTimestamp: unknown;
  readonly maxTimestamp: unknown;
}

const PRODUCE_V3_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
/** The first of the later versions, which binds v3 when it loads (v5, v6 and v7 build on it). */
const PRODUCE_V4_MODULE = 'kafkajs/src/protocol/requests/produce/v4/request.js';
// kafkajs' internals have no types: typed by what is used here.
const crc32C = kafkajsRequire('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (
  buffer: Buffer,
) => number;
const Long = kafkajsRequire('kafkajs/src/utils/long.js') as {
  fromInt(value: number): unknown;
  fromValue(value: unknown): { getHighBits(): number; getLowBits(): number };
};
const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;
const NO_COMPRESSION = 0;
/**
 * A partition's bytes before its records: partition, record set size, first offset, batch
 * length, leader epoch, magic, CRC (offset 25), then the batch body's 40 bytes before its records.
 */
const PARTITION_HEADER_BYTES = 69;
/** Where the CRC'd batch body starts in a partition's bytes. */
const BODY_AT = 29;

/**
 * The produce request's body in one buffer, the bytes kafkajs writes; undefined when a record is
 * one kafkajs' record encoder must take (see record-encoder-fix.ts), and then kafkajs encodes the
 * whole request.
 */
function encodeProduceRequest(args: ProduceArgs): EncodedBody | undefined {
  const { transactionalId = null, producerEpoch = 0 } = args;
  const producerId = args.producerId === undefined ? Long.fromInt(-1) : args.producerId;
  const attributes = transactionalId ? TRANSACTIONAL_MASK : 0;
  const layouts: RecordsLayout[] = [];
  let size = stringSize(transactionalId) + 2 + 4 + 4;
  for (const { topic, partitions } of args.topicData) {
    size += stringSize(topic) + 4;
    for (const { messages } of partitions) {
      const layout = measureRecords(messages);
      if (layout === undefined) return undefined;
      layouts.push(layout);
      size += PARTITION_HEADER_BYTES + layout.size;
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let at = writeString(buf, 0, transactionalId);
  at = buf.writeInt16BE(args.acks, at);
  at = buf.writeInt32BE(args.timeout, at);
  at = buf.writeInt32BE(args.topicData.length, at);
  let next = 0;
  for (const { topic, partitions } of args.topicData) {
    at = writeString(buf, at, topic);
    at = buf.writeInt32BE(partitions.length, at);
    for (const { partition, firstSequence = 0, messages } of partitions) {
      const layout = layouts[next++] as RecordsLayout;
      const start = at;
      const batchLength = PARTITION_HEADER_BYTES - 20 + layout.size;
      at = buf.writeInt32BE(partition, at);
      at = buf.writeInt32BE(batchLength + 12, at); // the record set: first offset, length, batch
      at = writeInt64(buf, at, 0); // first offset
      at = buf.writeInt32BE(batchLength, at);
      at = buf.writeInt32BE(0, at); // partition leader epoch
      at = buf.writeInt8(MAGIC_BYTE, at);
      at += 4; // the CRC, once the body is written
      at = buf.writeInt16BE(attributes, at);
      at = buf.writeInt32BE(messages.length - 1, at); // last offset delta
      at = writeInt64(buf, at, layout.firstTimestamp);
      at = writeInt64(buf, at, layout.maxTimestamp);
      at = writeInt64(buf, at, producerId);
      at = buf.writeInt16BE(producerEpoch, at);
      at = buf.writeInt32BE(firstSequence, at);
      at = buf.writeInt32BE(messages.length, at);
      for (let i = 0; i < messages.length; i++)
        at = writeRecord(
          buf,
          at,
          messages[i] as RecordFields,
          i,
          layout.deltas[i] as number,
          layout.bodies[i] as number,
        );
      buf.writeUInt32BE(crc32C(buf.subarray(start + BODY_AT, at)), start + BODY_AT - 4);
    }
  }
  return { buf, buffer: buf };
}

/**
 * A partition's records measured, with the batch's first and last timestamps as kafkajs picks
 * them (its sort of the timestamps given, by their text; now when none is).
 */
function measureRecords(messages: Messages): RecordsLayout | undefined {
  const now = Date.now();
  let first: string | number | undefined;
  let max: string | number | undefined;
  for (const { timestamp } of messages) {
    if (timestamp == null) continue;
    if (typeof timestamp !== 'string' && typeof timestamp !== 'number') return undefined;
    // Array.prototype.sort compares as text and keeps equal ones in order: the first of the
    // smallest, the last of the largest.
    if (first === undefined || String(timestamp) < String(first)) first = timestamp;
    if (max === undefined || String(timestamp) >= String(max)) max = timestamp;
  }
  const firstTimestamp = first ?? now;
  const bodies = new Array<number>(messages.length);
  const deltas = new Array<number>(messages.length);
  let size = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Messages[number];
    const timestamp = message.timestamp as string | number | null | undefined;
    // kafkajs: (message.timestamp || dateNow) - firstTimestamp, in JavaScript's arithmetic.
    const delta = Number(timestamp || now) - Number(firstTimestamp);
    const body = recordBodySize(message, i, delta);
    if (body === undefined) return undefined;
    bodies[i] = body;
    deltas[i] = delta;
    size += recordSize(body);
  }
  return { bodies, deltas, size, firstTimestamp, maxTimestamp: max ?? now };
}

/** Bytes of a nullable string in Kafka's format (int16 length, -1 for null). */
function stringSize(value: string | null): number {
  return 2 + (value == null ? 0 : Buffer.byteLength(value, 'utf8'));
}

function writeString(buf: Buffer, at: number, value: string | null): number {
  if (value == null) return buf.writeInt16BE(-1, at);
  const length = Buffer.byteLength(value, 'utf8');
  const next = buf.writeInt16BE(length, at);
  return next + buf.write(value, next, length, 'utf8');
}

/** An int64 as kafkajs' encoder writes one, from whatever its Long takes (a Long, number or text). */
function writeInt64(buf: Buffer, at: number, value: unknown): number {
  const long = Long.fromValue(value);
  buf.writeInt32BE(long.getHighBits(), at);
  return buf.writeInt32BE(long.getLowBits(), at + 4);
}

/**
 * kafkajs 2.2.4 encodes a produce request by copying every message into a new object (to add
 * its offset and time deltas), encoding each record into a buffer of its own, then copying each
 * into the batch through an encoder that grows by doubling. For a batch of 500 records that was
 * most of the producer's time in kafkajs. This swaps the v3 request (which v4 to v7 build on)
 * for one that measures every record first and writes the whole request body into one buffer,
 * the same bytes; compressed batches and records the record encoder does not take go
 * through kafkajs' own code. Must run before a produce request is built with v4 to v7 (they bind
 * v3 when they load) and after the record encoder fix. Returns whether it swapped.
 */
export function fixProduceRequestEncoding(): boolean {
  return swapKafkajsModule<ProduceRequestModule>(
    PRODUCE_V3_MODULE,
    PRODUCE_V4_MODULE,
    (original) => (args) => {
      const request = original(args);
      if ((args.compression ?? NO_COMPRESSION) !== NO_COMPRESSION) return request;
      return {
        ...request,
        encode: async () => encodeProduceRequest(args) ?? request.encode(),
      };
    },
  );
}
