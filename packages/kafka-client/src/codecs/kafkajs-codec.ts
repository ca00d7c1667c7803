import { createRequire } from 'node:module';

/**
 * A compression codec as kafkajs calls it: `compress` gets the encoder holding a record batch's
 * records (kafkajs reads `.buffer`), `decompress` the compressed bytes of a fetched batch.
 */
export interface KafkajsCodec {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(compressed: Buffer): Promise<Buffer>;
}

/** The bytes of a typed array as a Buffer, without copying (kafkajs' decoder reads Buffers only). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

const require = createRequire(import.meta.url);

/** A codec package loaded on its first use, once: a process that never meets the codec never loads it. */
export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(name) as T;
    return loaded;
  };
}

/** A kafkajs codec from a synchronous pair of functions over bytes. */
export function kafkajsCodec(
  compress: (bytes: Buffer) => Buffer,
  decompress: (bytes: Buffer) => Buffer,
): KafkajsCodec {
  return {
    compress: async (encoder) => compress(encoder.buffer),
    decompress: async (compressed) => decompress(compressed),
  };
}
