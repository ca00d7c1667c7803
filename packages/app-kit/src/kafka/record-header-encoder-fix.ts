import { createRequire } from 'node:module';
import { FIXED_KAFKAJS_VERSION } from './request-queue-timer-fix.js';

/** What kafkajs' record encoder takes from a header's encoder: the bytes (it checks `buf` is a Buffer). */
interface EncodedHeader {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

type HeaderValue = Buffer | string | null | undefined;

const require = createRequire(import.meta.url);
const HEADER_MODULE = 'kafkajs/src/protocol/recordBatch/header/v0/index.js';
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';

/** Bytes of a zigzag varint (Kafka's signed varint, as kafkajs' Encoder.writeVarInt writes it). */
function varIntSize(value: number): number {
  let encoded = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (encoded >= 0x80) {
    encoded >>>= 7;
    size++;
  }
  return size;
}

function writeVarInt(buf: Buffer, offset: number, value: number): number {
  let encoded = ((value << 1) ^ (value >> 31)) >>> 0;
  let at = offset;
  while (encoded >= 0x80) {
    buf[at++] = (encoded & 0x7f) | 0x80;
    encoded >>>= 7;
  }
  buf[at++] = encoded;
  return at;
}

/**
 * One record header in Kafka's format (key: varint length + UTF-8; value: varint length + bytes,
 * -1 for null): the bytes kafkajs' own header encoder writes, in one buffer from Node's pool.
 */
export function encodeRecordHeader({ key, value }: { key: string; value: HeaderValue }): EncodedHeader {
  const keyLength = Buffer.byteLength(key, 'utf8');
  const text = value == null || Buffer.isBuffer(value) ? undefined : String(value);
  const valueLength = value == null ? -1 : Buffer.isBuffer(value) ? value.length : Buffer.byteLength(text ?? '', 'utf8');
  const buf = Buffer.allocUnsafe(varIntSize(keyLength) + keyLength + varIntSize(valueLength) + Math.max(valueLength, 0));
  let offset = writeVarInt(buf, 0, keyLength);
  offset += buf.write(key, offset, keyLength, 'utf8');
  offset = writeVarInt(buf, offset, valueLength);
  if (Buffer.isBuffer(value)) value.copy(buf, offset);
  else if (text !== undefined) buf.write(text, offset, valueLength, 'utf8');
  return { buf, buffer: buf };
}

/**
 * kafkajs 2.2.4 encodes each record header with a fresh Encoder, which zero-fills a 512-byte
 * buffer per header: with a few headers per record that was most of the cost of encoding a
 * record. This swaps the header encoder kafkajs' record encoder requires for
 * {@link encodeRecordHeader} (same bytes, one pooled buffer each). It must run before kafkajs
 * loads its record encoder, which binds the header encoder once: so it runs when this module is
 * imported, and the modules that import kafkajs import this one first. Only for the version read
 * here; returns whether it swapped.
 */
export function fixRecordHeaderEncoder(): boolean {
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== FIXED_KAFKAJS_VERSION) return false;
  if (require.cache[require.resolve(RECORD_MODULE)] !== undefined) return false;
  require(HEADER_MODULE);
  const loaded = require.cache[require.resolve(HEADER_MODULE)];
  if (loaded === undefined) return false;
  loaded.exports = encodeRecordHeader;
  return true;
}

/** Whether the swap is in place (the record encoder uses ours). */
export const recordHeaderEncoderFixed = fixRecordHeaderEncoder();
