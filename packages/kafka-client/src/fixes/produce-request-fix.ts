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

/** kafkajs' Encoder, as far as this file writes with it. */
interface Encoder {
  readonly buffer: Buffer;
  size(): number;
  writeInt8(value: number): Encoder;
  writeInt16(value: number): Encoder;
  writeInt32(value: number): Encoder;
  writeUInt32(value: number): Encoder;
  writeInt64(value: unknown): Encoder;
  writeString(value: string | null): Encoder;
  writeBytes(value: Buffer): Encoder;
  writeBuffer(value: Buffer): Encoder;
  writeEncoder(value: Encoder): Encoder;
  writeArray(value: readonly Encoder[]): Encoder;
}

interface ProduceRequest {
  encode(): Promise<Encoder>;
}

type ProduceRequestModule = (args: ProduceArgs) => ProduceRequest;

const PRODUCE_V3_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
/** The first of the later versions, which binds v3 when it loads (v5, v6 and v7 build on it). */
const PRODUCE_V4_MODULE = 'kafkajs/src/protocol/requests/produce/v4/request.js';
const Encoder = kafkajsRequire('kafkajs/src/protocol/encoder.js') as new (size?: number) => Encoder;
const crc32C = kafkajsRequire('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (
  buffer: Buffer,
) => number;
const Long = kafkajsRequire('kafkajs/src/utils/long.js') as { fromInt(value: number): unknown };
const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;
const NO_COMPRESSION = 0;

/**
 * The produce request's body with each partition's records written into one buffer, the bytes
 * kafkajs writes; undefined when a record is one kafkajs' record encoder must take (see
 * record-encoder-fix.ts), and then kafkajs encodes the whole request.
 */
function encodeProduceRequest(args: ProduceArgs): Encoder | undefined {
  const { transactionalId = null, producerEpoch = 0 } = args;
  const producerId = args.producerId === undefined ? Long.fromInt(-1) : args.producerId;
  const attributes = transactionalId ? TRANSACTIONAL_MASK : 0;
  const topics: Encoder[] = [];
  for (const { topic, partitions } of args.topicData) {
    const encodedPartitions: Encoder[] = [];
    for (const { partition, firstSequence = 0, messages } of partitions) {
      const records = encodeRecords(messages);
      if (records === undefined) return undefined;
      const body = new Encoder(40 + records.bytes.length)
        .writeInt16(attributes)
        .writeInt32(messages.length - 1)
        .writeInt64(records.firstTimestamp)
        .writeInt64(records.maxTimestamp)
        .writeInt64(producerId)
        .writeInt16(producerEpoch)
        .writeInt32(firstSequence)
        .writeInt32(messages.length)
        .writeBuffer(records.bytes);
      const batch = new Encoder(body.size() + 9)
        .writeInt32(0) // partition leader epoch
        .writeInt8(MAGIC_BYTE)
        .writeUInt32(crc32C(body.buffer))
        .writeEncoder(body);
      const recordBatch = new Encoder(batch.size() + 12).writeInt64(0).writeBytes(batch.buffer);
      encodedPartitions.push(
        new Encoder(recordBatch.size() + 8)
          .writeInt32(partition)
          .writeInt32(recordBatch.size())
          .writeEncoder(recordBatch),
      );
    }
    topics.push(new Encoder().writeString(topic).writeArray(encodedPartitions));
  }
  return new Encoder()
    .writeString(transactionalId)
    .writeInt16(args.acks)
    .writeInt32(args.timeout)
    .writeArray(topics);
}

/**
 * A partition's records in one buffer, with the batch's first and last timestamps as kafkajs
 * picks them (its sort of the timestamps given, by their text; now when none is).
 */
function encodeRecords(
  messages: ProduceArgs['topicData'][number]['partitions'][number]['messages'],
):
  | { readonly bytes: Buffer; readonly firstTimestamp: unknown; readonly maxTimestamp: unknown }
  | undefined {
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
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as (typeof messages)[number];
    const timestamp = message.timestamp as string | number | null | undefined;
    // kafkajs: (message.timestamp || dateNow) - firstTimestamp, in JavaScript's arithmetic.
    const delta = Number(timestamp || now) - Number(firstTimestamp);
    const body = recordBodySize(message, i, delta);
    if (body === undefined) return undefined;
    bodies[i] = body;
    deltas[i] = delta;
    total += recordSize(body);
  }
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < messages.length; i++)
    at = writeRecord(
      bytes,
      at,
      messages[i] as RecordFields,
      i,
      deltas[i] as number,
      bodies[i] as number,
    );
  return { bytes, firstTimestamp, maxTimestamp: max ?? now };
}

/**
 * kafkajs 2.2.4 encodes a produce request by copying every message into a new object (to add
 * its offset and time deltas), encoding each record into a buffer of its own, then copying each
 * into the batch through an encoder that grows by doubling. For a batch of 500 records that was
 * most of the producer's time in kafkajs. This swaps the v3 request (which v4 to v7 build on)
 * for one that writes a partition's records straight into one buffer and the rest as kafkajs
 * does, the same bytes; compressed batches and records the record encoder does not take go
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
