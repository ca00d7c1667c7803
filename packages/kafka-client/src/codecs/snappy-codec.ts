import { asBuffer, type KafkajsCodec, kafkajsCodec, lazyRequire } from './kafkajs-codec.js';

/** The part of snappyjs (pure JavaScript, no types of its own) used here: raw snappy blocks. */
interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array): Uint8Array;
}

const snappy = lazyRequire<SnappyJs>('snappyjs');

/**
 * Kafka's Java client writes snappy in snappy-java's stream framing ("xerial"): a 16-byte header
 * (magic, version, compatible version), then blocks, each a big-endian length and a raw snappy
 * block. librdkafka and older clients write one raw block, which Java also reads.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block: what Java writes, so what Java expects at most per block. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** The xerial header: magic, version 1, compatible version 1 (what snappy-java writes). */
function xerialHeader(): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  return header;
}

/** Snappy in xerial framing, as Kafka's Java client writes it, in 32 KiB blocks. */
export function snappyCompress(plain: Buffer): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (let at = 0; at < plain.length; at += XERIAL_BLOCK_BYTES) {
    const block = asBuffer(snappy().compress(plain.subarray(at, at + XERIAL_BLOCK_BYTES)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/** Snappy in xerial framing or as one raw block (what other clients write). */
export function snappyDecompress(compressed: Buffer): Buffer {
  const framed =
    compressed.length >= XERIAL_HEADER_BYTES &&
    compressed.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
  if (!framed) return asBuffer(snappy().uncompress(compressed));
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < compressed.length) {
    if (at + 4 > compressed.length) throw new Error('snappy: a block length cut short');
    const length = compressed.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > compressed.length)
      throw new Error('snappy: a block longer than the bytes left');
    blocks.push(asBuffer(snappy().uncompress(compressed.subarray(at, at + length))));
    at += length;
  }
  return Buffer.concat(blocks);
}

/** The snappy codec for kafkajs (which has none of its own). */
export const snappyCodec: KafkajsCodec = kafkajsCodec(snappyCompress, snappyDecompress);
