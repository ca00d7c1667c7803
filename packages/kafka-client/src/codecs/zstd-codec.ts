import zlib from 'node:zlib';
import { asBuffer, type KafkajsCodec, lazyRequire } from './kafkajs-codec.js';

type Callback = (error: Error | null, result: Buffer) => void;

/** zlib's zstd functions (Node 22.15+ and 23.8+), which Node 20's types do not declare. */
interface ZlibZstd {
  zstdCompress(input: Buffer, callback: Callback): void;
  zstdDecompress(input: Buffer, callback: Callback): void;
}

/** fzstd (pure JavaScript): decompression only. */
interface Fzstd {
  decompress(input: Uint8Array): Uint8Array;
}

const fzstd = lazyRequire<Fzstd>('fzstd');

/** This Node's zlib zstd, or undefined where it has none. */
function zlibZstd(): ZlibZstd | undefined {
  const candidate = zlib as Partial<ZlibZstd>;
  const { zstdCompress, zstdDecompress } = candidate;
  return typeof zstdCompress === 'function' && typeof zstdDecompress === 'function'
    ? { zstdCompress, zstdDecompress }
    : undefined;
}

const native = zlibZstd();

/** Whether this Node can write zstd: only with zlib's (no pure-JavaScript compressor is used). */
export const canCompressZstd = native !== undefined;

/** Why zstd cannot be written here, for the start-up error that asks for it. */
export const ZSTD_COMPRESSION_UNAVAILABLE =
  `zstd compression needs Node 22.15 or later (zlib.zstdCompress); this is Node ${process.versions.node}, ` +
  'which reads zstd but cannot write it';

const run = (fn: (input: Buffer, callback: Callback) => void, input: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    fn(input, (error, result) => (error ? reject(error) : resolve(result))),
  );

/** zstd, with zlib's where Node has it, else fzstd's decompressor. */
export const zstdCodec: KafkajsCodec = {
  compress: (encoder) => {
    if (!native) return Promise.reject(new Error(ZSTD_COMPRESSION_UNAVAILABLE));
    return run(native.zstdCompress, encoder.buffer);
  },
  decompress: async (compressed) => {
    if (native) return run(native.zstdDecompress, compressed);
    return asBuffer(fzstd().decompress(compressed));
  },
};
