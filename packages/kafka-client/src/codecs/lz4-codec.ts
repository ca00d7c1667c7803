import { asBuffer, type KafkajsCodec, kafkajsCodec, lazyRequire } from './kafkajs-codec.js';

/** The part of lz4js (pure JavaScript, no types of its own) used here. */
interface Lz4Js {
  compressBound(length: number): number;
  compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    srcIndex: number,
    srcLength: number,
    hashTable: Uint32Array,
  ): number;
  decompress(frame: Uint8Array): Uint8Array;
}

// Loaded on first use: lz4js allocates 5 MiB of working buffers as it loads.
const lz4 = lazyRequire<Lz4Js>('lz4js');

/**
 * The LZ4 frame header Kafka's Java client writes (KafkaLZ4BlockOutputStream): magic, FLG 0x60
 * (version 1, independent blocks, no checksums, no content size), BD 0x40 (64 KiB blocks), and
 * the header checksum of FLG and BD. lz4js' own frame writer marks its blocks dependent and
 * makes them 4 MiB, which Kafka's reader decodes block by block: so the frame is written here.
 */
const FRAME_HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
const BLOCK_BYTES = 64 * 1024;
/** A block's size word with this bit set holds the block as it is, not compressed. */
const UNCOMPRESSED = 0x80000000;

/** An LZ4 frame as Kafka's Java client writes it: independent 64 KiB blocks, no checksums. */
export function lz4Compress(plain: Buffer): Buffer {
  const { compressBound, compressBlock } = lz4();
  const blocks = Math.ceil(plain.length / BLOCK_BYTES);
  const out = Buffer.allocUnsafe(FRAME_HEADER.length + blocks * (4 + BLOCK_BYTES) + 4);
  let at = FRAME_HEADER.copy(out, 0);
  const scratch = new Uint8Array(compressBound(BLOCK_BYTES));
  const hashTable = new Uint32Array(1 << 16);
  for (let start = 0; start < plain.length; start += BLOCK_BYTES) {
    const length = Math.min(BLOCK_BYTES, plain.length - start);
    // A fresh table per block: a match never reaches into the block before (independent blocks).
    hashTable.fill(0);
    const size = compressBlock(plain, scratch, start, length, hashTable);
    if (size === 0 || size >= length) {
      out.writeUInt32LE((UNCOMPRESSED | length) >>> 0, at);
      at += 4;
      at += plain.copy(out, at, start, start + length);
    } else {
      out.writeUInt32LE(size, at);
      at += 4;
      out.set(scratch.subarray(0, size), at);
      at += size;
    }
  }
  out.writeUInt32LE(0, at); // end mark
  return out.subarray(0, at + 4);
}

/** An LZ4 frame (any block size, with or without checksums, which are not checked). */
export function lz4Decompress(frame: Buffer): Buffer {
  return asBuffer(lz4().decompress(frame));
}

/** The lz4 codec for kafkajs (which has none of its own). */
export const lz4Codec: KafkajsCodec = kafkajsCodec(lz4Compress, lz4Decompress);
