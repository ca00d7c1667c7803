import { swapKafkajsModule } from './kafkajs-module-swap.js';

/** What kafkajs' record batch takes from a record's encoder: the bytes (it checks `buf` is a Buffer). */
export interface EncodedRecord {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

type Bytes = Buffer | string | null | undefined;

/** A record as kafkajs' produce request hands it to the record encoder. */
export interface RecordFields {
  readonly offsetDelta?: number;
  readonly timestampDelta?: number;
  readonly key?: Bytes;
  readonly value?: Bytes;
  readonly headers?: Readonly<Record<string, Bytes | readonly Bytes[]>>;
}

type RecordEncoder = (record: RecordFields) => EncodedRecord;

const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
/** The one module that binds the record encoder when it loads. */
const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
/** Beyond this a zigzag varlong no longer fits a double exactly: such records go to kafkajs' own encoder. */
const MAX_EXACT_DELTA = 2 ** 51;
/** kafkajs zigzags 32-bit varints with 32-bit shifts: beyond this its bytes and plain arithmetic differ. */
const MAX_VARINT = 2 ** 30;

/** Bytes of an unsigned varint (7 bits a byte) of a non-negative integer below 2^53. */
function uVarIntSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

function writeUVarInt(buf: Buffer, offset: number, value: number): number {
  let at = offset;
  let v = value;
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

/** Kafka's zigzag mapping of a signed integer (the same for its 32- and 64-bit varints). */
const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

/**
 * The byte length a key, value or header value takes (-1 for null), or undefined for a kind
 * kafkajs' encoder must judge.
 */
function bytesLength(value: unknown): number | undefined {
  if (value == null) return -1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Buffer.isBuffer(value)) return value.length;
  return undefined;
}

function writeBytes(buf: Buffer, offset: number, value: Bytes, length: number): number {
  let at = writeUVarInt(buf, offset, zigzag(length));
  if (typeof value === 'string') at += buf.write(value, at, length, 'utf8');
  else if (Buffer.isBuffer(value)) at += value.copy(buf, at);
  return at;
}

/**
 * One record in Kafka's format (record v0 of a record batch), the bytes kafkajs' own encoder
 * writes, in one buffer from Node's pool. Whatever it does not handle the same way (a header
 * value that is null or not text or bytes, a key of another type, a time delta beyond 2^51 ms)
 * goes to `fallback`, kafkajs' encoder, so its errors stay its own.
 */
export function encodeRecord(record: RecordFields, fallback: RecordEncoder): EncodedRecord {
  const { offsetDelta = 0, timestampDelta = 0 } = record;
  const body = recordBodySize(record, offsetDelta, timestampDelta);
  if (body === undefined) return fallback(record);
  const buf = Buffer.allocUnsafe(recordSize(body));
  writeRecord(buf, 0, record, offsetDelta, timestampDelta, body);
  return { buf, buffer: buf };
}

/** The bytes a record takes in a batch, its length prefix included, from {@link recordBodySize}. */
export function recordSize(body: number): number {
  return uVarIntSize(zigzag(body)) + body;
}

/**
 * The length of a record's body in Kafka's format (record v0), without the varint that prefixes
 * it; undefined for a record this encoder does not write the way kafkajs does (see
 * {@link encodeRecord}), which kafkajs' own encoder must take.
 */
export function recordBodySize(
  record: RecordFields,
  offsetDelta: number,
  timestampDelta: number,
): number | undefined {
  const { key, value, headers } = record;
  const keyLength = bytesLength(key);
  const valueLength = bytesLength(value);
  if (keyLength === undefined || valueLength === undefined) return undefined;
  if (
    !Number.isSafeInteger(timestampDelta) ||
    Math.abs(timestampDelta) > MAX_EXACT_DELTA ||
    !Number.isInteger(offsetDelta) ||
    Math.abs(offsetDelta) >= MAX_VARINT
  )
    return undefined;

  let headerCount = 0;
  let headerBytes = 0;
  if (headers !== undefined)
    for (const name of Object.keys(headers)) {
      const entry = headers[name];
      for (const each of Array.isArray(entry) ? (entry as readonly Bytes[]) : [entry as Bytes]) {
        // kafkajs measures a null header value with Buffer.byteLength, which throws: its error, not ours.
        const length = each == null ? undefined : bytesLength(each);
        if (length === undefined) return undefined;
        const nameLength = Buffer.byteLength(name, 'utf8');
        headerBytes +=
          uVarIntSize(zigzag(nameLength)) + nameLength + uVarIntSize(zigzag(length)) + length;
        headerCount++;
      }
    }
  const body =
    1 +
    uVarIntSize(zigzag(timestampDelta)) +
    uVarIntSize(zigzag(offsetDelta)) +
    uVarIntSize(zigzag(keyLength)) +
    Math.max(keyLength, 0) +
    uVarIntSize(zigzag(valueLength)) +
    Math.max(valueLength, 0) +
    uVarIntSize(zigzag(headerCount)) +
    headerBytes;
  return body >= MAX_VARINT ? undefined : body;
}

/**
 * Writes a record measured by {@link recordBodySize} (its `body`) at `at` in `buf`, length
 * prefix first; returns the offset after it.
 */
export function writeRecord(
  buf: Buffer,
  at: number,
  record: RecordFields,
  offsetDelta: number,
  timestampDelta: number,
  body: number,
): number {
  const { key, value, headers } = record;
  let next = writeUVarInt(buf, at, zigzag(body));
  buf[next++] = 0; // attributes: none used
  next = writeUVarInt(buf, next, zigzag(timestampDelta));
  next = writeUVarInt(buf, next, zigzag(offsetDelta));
  next = writeBytes(buf, next, key, bytesLength(key) ?? -1);
  next = writeBytes(buf, next, value, bytesLength(value) ?? -1);
  const names = headers === undefined ? [] : Object.keys(headers);
  let headerCount = 0;
  for (const name of names) {
    const entry = headers?.[name];
    headerCount += Array.isArray(entry) ? entry.length : 1;
  }
  next = writeUVarInt(buf, next, zigzag(headerCount));
  if (headers !== undefined)
    for (const name of names) {
      const entry = headers[name];
      for (const each of Array.isArray(entry) ? (entry as readonly Bytes[]) : [entry as Bytes]) {
        next = writeBytes(buf, next, name, Buffer.byteLength(name, 'utf8'));
        next = writeBytes(buf, next, each, bytesLength(each) ?? 0);
      }
    }
  return next;
}

/**
 * kafkajs 2.2.4 encodes each record through a fresh Encoder: a zero-filled 512-byte buffer per
 * record, a new Buffer per varint, 64-bit Long arithmetic for the time delta, and one more
 * Encoder per header. That was a tenth of the producer's CPU per POST, and several times more
 * with headers. This swaps the record encoder that kafkajs' produce request requires for
 * {@link encodeRecord} (same bytes). It must run before kafkajs loads its produce request, which
 * binds the encoder once (kafkajs-fixes.ts runs it first). Returns whether it swapped.
 */
export function fixRecordEncoder(): boolean {
  return swapKafkajsModule<RecordEncoder>(
    RECORD_MODULE,
    PRODUCE_REQUEST_MODULE,
    (original) => (record) => encodeRecord(record, original),
  );
}
