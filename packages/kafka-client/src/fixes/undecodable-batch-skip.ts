import { swapKafkajsModule } from './kafkajs-module-swap.js';
import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';
import { reportUndecodableBatch } from './undecodable-batches.js';

/** kafkajs' Decoder as the record batch decoder gets it: the fetch response and where it is. */
interface FetchDecoder {
  readonly buffer: Buffer;
  offset: number;
}

/** What kafkajs' fetch takes from a decoded record batch: its records. */
interface DecodedBatch {
  readonly records: readonly object[];
}

type RecordBatchDecoder = (decoder: FetchDecoder) => Promise<DecodedBatch>;

/** What a skipped batch leaves among the fetched records: a control record at its last offset. */
interface SkipMarker {
  readonly offset: string;
  readonly isControlRecord: true;
  readonly [skipped]: { readonly firstOffset: string; readonly error: unknown };
}

/** The parts of kafkajs' consumer Batch read here. */
interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messagesWithinOffset: readonly { readonly isControlRecord?: boolean }[];
}

interface ConsumerGroup {
  readonly groupId: string;
  fetch(nodeId: number): Promise<FetchedBatch[]>;
}

const RECORD_BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
/** The one module that binds the record batch decoder when it loads (every fetch version uses it). */
const DECODE_MESSAGES = 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js';

// Where the record batch header's fields are, from the batch's start (Kafka's RecordBatch v2).
/** A record batch's bytes after its length field, before any record (Kafka's v2 header). */
const MIN_BATCH_LENGTH = 49;
const LENGTH_AT = 8;
const HEADER_BEFORE_LENGTH = 12;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const FIRST_TIMESTAMP_AT = 27;
const PRODUCER_ID_AT = 43;
const CODEC_MASK = 0x07;
const TRANSACTIONAL = 0x10;
/** The highest compression id Kafka defines (zstd); kafkajs reads 5 to 7 as no compression at all. */
const LAST_CODEC_ID = 4;

const skipped = Symbol('undecodable batch');
const patched = Symbol('skipUndecodableBatches');

/** Per consumer group, topic and partition: the last offset of the skipped batches reported so far. */
const reported = new Map<string, bigint>();

/**
 * Decodes a record batch with kafkajs' decoder; a complete batch it cannot decode (its codec
 * fails, or its compression id is none Kafka defines) becomes one control record at the batch's
 * last offset, with the decoder moved past the batch. A batch cut short by the fetch's size
 * limit still throws kafkajs' partial-batch error, which ends the fetch's records there.
 */
export async function decodeOrSkip(
  decoder: FetchDecoder,
  decode: RecordBatchDecoder,
): Promise<DecodedBatch> {
  const { buffer } = decoder;
  const start = decoder.offset;
  const length = buffer.readInt32BE(start + LENGTH_AT);
  const end = start + HEADER_BEFORE_LENGTH + length;
  // A length shorter than a batch's own header is no batch to skip: moving the decoder by it
  // would leave kafkajs' decoding loop where it was, for ever. kafkajs' error then ends the fetch.
  if (end > buffer.length || length < MIN_BATCH_LENGTH) return decode(decoder);
  const attributes = buffer.readInt16BE(start + ATTRIBUTES_AT);
  try {
    const codec = attributes & CODEC_MASK;
    if (codec > LAST_CODEC_ID) throw new Error(`compression id ${codec} is none Kafka defines`);
    return await decode(decoder);
  } catch (error) {
    // A codec package that cannot be loaded is a broken install, not a bad batch: said, not skipped.
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') throw error;
    decoder.offset = end;
    const firstOffset = buffer.readBigInt64BE(start);
    const marker = {
      offset: String(firstOffset + BigInt(buffer.readInt32BE(start + LAST_OFFSET_DELTA_AT))),
      isControlRecord: true,
      [skipped]: { firstOffset: String(firstOffset), error },
      // What kafkajs' consumer reads of any record: a control record is given to no one.
      key: null,
      value: null,
      headers: {},
      attributes: 0,
      timestamp: String(buffer.readBigInt64BE(start + FIRST_TIMESTAMP_AT)),
      batchContext: {
        firstOffset: String(firstOffset),
        producerId: String(buffer.readBigInt64BE(start + PRODUCER_ID_AT)),
        inTransaction: (attributes & TRANSACTIONAL) !== 0,
        isControlBatch: true,
      },
    };
    return { records: [marker] };
  }
}

/** Reports the skipped batches among a fetch's batches, each once per group and partition. */
export function reportSkips(groupId: string, batches: readonly FetchedBatch[]): void {
  for (const batch of batches) {
    for (const message of batch.messagesWithinOffset) {
      if (message.isControlRecord !== true || !(skipped in message)) continue;
      const { offset, [skipped]: skip } = message as SkipMarker;
      const key = `${groupId}\n${batch.topic}\n${batch.partition}`;
      // Fetched again (a rejoin seeks back to the last record streamed): already said.
      const reportedUpTo = reported.get(key);
      if (reportedUpTo !== undefined && BigInt(skip.firstOffset) <= reportedUpTo) continue;
      reported.set(key, BigInt(offset));
      reportUndecodableBatch({
        groupId,
        topic: batch.topic,
        partition: batch.partition,
        firstOffset: skip.firstOffset,
        lastOffset: offset,
        error: skip.error,
      });
    }
  }
}

/**
 * kafkajs 2.2.4 fails a whole fetch on a record batch it cannot decode (a codec it lacks, a
 * corrupt payload): the consumer crashes and rejoins, fetches the same batch again, and never
 * streams that partition again. This swaps the record batch decoder for {@link decodeOrSkip}:
 * such a batch is left out, as a control record at its last offset, so kafkajs resolves that
 * offset and fetches on after it (as for a batch of aborted records); and it patches the consumer
 * group's fetch to report it ({@link reportSkips}, through onUndecodableBatch). The swap must
 * run before kafkajs loads its fetch decoding. Returns whether both applied.
 */
export function skipUndecodableBatches(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  const swapped = swapKafkajsModule<RecordBatchDecoder>(
    RECORD_BATCH_DECODER,
    DECODE_MESSAGES,
    (original) => (decoder) => decodeOrSkip(decoder, original),
  );
  const ConsumerGroupClass = kafkajsRequire('kafkajs/src/consumer/consumerGroup.js') as {
    prototype: ConsumerGroup & { [patched]?: true };
  };
  const prototype = ConsumerGroupClass.prototype;
  if (!prototype[patched]) {
    prototype[patched] = true;
    const { fetch } = prototype;
    prototype.fetch = async function fetchReportingSkips(
      this: ConsumerGroup,
      nodeId: number,
    ): Promise<FetchedBatch[]> {
      const batches = await fetch.call(this, nodeId);
      reportSkips(this.groupId, batches);
      return batches;
    };
  }
  return swapped;
}
