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
