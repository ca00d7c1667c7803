import type { KafkajsCodec } from './kafkajs-codec.js';
import { lz4Codec } from './lz4-codec.js';
import { snappyCodec } from './snappy-codec.js';
import { zstdCodec } from './zstd-codec.js';

/** kafkajs' codec table (its public `CompressionCodecs`), by compression type id. */
export type KafkajsCodecTable = Record<number, () => KafkajsCodec>;

/**
 * Puts snappy (2), lz4 (3) and zstd (4) into kafkajs' codec table, which reads only gzip (1) by
 * itself: kafkajs looks the codec up per batch, so every client of this process gets them.
 */
export function registerCodecs(codecs: KafkajsCodecTable): void {
  codecs[2] = () => snappyCodec;
  codecs[3] = () => lz4Codec;
  codecs[4] = () => zstdCodec;
}
