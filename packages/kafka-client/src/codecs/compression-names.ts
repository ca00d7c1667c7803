import type * as Kafkajs from 'kafkajs';
import { CompressionTypes } from '../kafkajs.js';
import { canCompressZstd, ZSTD_COMPRESSION_UNAVAILABLE } from './zstd-codec.js';

/** The codecs a producer can be asked to write, by the names Kafka's `compression.type` uses. */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** One of {@link COMPRESSION_NAMES}. */
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

/** kafkajs' id of a codec, as a producer's send takes it. */
export type CompressionType = Kafkajs.CompressionTypes;

const TYPES: Readonly<Record<CompressionName, CompressionType>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** kafkajs' compression type for a name; throws, saying why, when this process cannot write it. */
export function compressionType(name: CompressionName): CompressionType {
  if (name === 'zstd' && !canCompressZstd) throw new Error(ZSTD_COMPRESSION_UNAVAILABLE);
  return TYPES[name];
}
