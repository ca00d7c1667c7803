import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompressionTypes } from '../src/kafkajs.js';
import { type CompressionType, compressionType } from '../src/codecs/compression-names.js';
import type { KafkajsCodec } from '../src/codecs/kafkajs-codec.js';
import { lz4Codec, lz4Compress } from '../src/codecs/lz4-codec.js';
import { snappyCodec } from '../src/codecs/snappy-codec.js';
import { canCompressZstd, zstdCodec } from '../src/codecs/zstd-codec.js';

const require = createRequire(import.meta.url);
// kafkajs' internals have no types: typed by what is used here.
const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): KafkajsCodec | null;
};
const snappyjs = require('snappyjs') as { compress(input: Buffer): Buffer };

/** The text JavaCodecBytes.java compresses: 3,000 numbered lines (over 64 KiB). */
function sampleText(): Buffer {
  let text = '';
  for (let i = 0; i < 3000; i++) text += `record ${i} of the sample text\n`;
  return Buffer.from(text, 'utf8');
}

/** What Kafka's Java client wrote for sampleText(), per codec (fixtures/JavaCodecBytes.java). */
const JAVA_BYTES = new Map(
  readFileSync(new URL('./fixtures/java-codec-bytes.txt', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [codec = '', base64 = ''] = line.split(' ');
      return [codec, Buffer.from(base64, 'base64')] as const;
    }),
);

const compress = (codec: KafkajsCodec, plain: Buffer): Promise<Buffer> =>
  codec.compress({ buffer: plain });

const CODECS: Array<[string, CompressionType, KafkajsCodec]> = [
  ['snappy', CompressionTypes.Snappy, snappyCodec],
  ['lz4', CompressionTypes.LZ4, lz4Codec],
  ['zstd', CompressionTypes.ZSTD, zstdCodec],
];

const SAMPLES: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['a few bytes', Buffer.from('hi')],
  ['the sample text (over one 64 KiB block)', sampleText()],
  ['random bytes, stored as they are (200 KiB)', randomBytes(200 * 1024)],
];

describe('the codecs kafka-client gives kafkajs', () => {
  it.each(CODECS)('%s is the one kafkajs looks up', (_name, type, codec) => {
    expect(lookupCodec(type)).toBe(codec);
  });

  const READ: Array<[string, CompressionType]> = [
    ...CODECS.map(([name, type]): [string, CompressionType] => [name, type]),
    ['gzip', CompressionTypes.GZIP],
  ];
  it.each(READ)('%s: decodes what Kafka’s Java client wrote', async (name, type) => {
    const codec = lookupCodec(type);
    const bytes = JAVA_BYTES.get(name);
    expect(bytes?.length).toBeGreaterThan(0);
    expect((await codec?.decompress(bytes ?? Buffer.alloc(0)))?.equals(sampleText())).toBe(true);
  });

  for (const [name, , codec] of CODECS)
    it.skipIf(name === 'zstd' && !canCompressZstd).each(SAMPLES)(
      `${name}: round trip of %s`,
      async (_what, plain) => {
        const compressed = await compress(codec, plain);
        expect((await codec.decompress(compressed)).equals(plain)).toBe(true);
      },
    );

  it('snappy writes the xerial framing Java writes (same header) and reads a raw block too', async () => {
    const java = JAVA_BYTES.get('snappy') ?? Buffer.alloc(0);
    const ours = await compress(snappyCodec, sampleText());
    expect(ours.subarray(0, 16)).toEqual(java.subarray(0, 16));
    const raw = snappyjs.compress(Buffer.from('one raw block'));
    expect((await snappyCodec.decompress(raw)).toString()).toBe('one raw block');
  });

  it('snappy refuses a frame whose block runs past its end', async () => {
    const ours = await compress(snappyCodec, sampleText());
    await expect(snappyCodec.decompress(ours.subarray(0, ours.length - 1))).rejects.toThrow(
      /longer than the bytes left/,
    );
  });

  it('lz4 writes the frame header Java writes, and blocks that decode on their own', () => {
    const java = JAVA_BYTES.get('lz4') ?? Buffer.alloc(0);
    const ours = lz4Compress(sampleText());
    expect(ours.subarray(0, 7)).toEqual(java.subarray(0, 7));
    // Each block alone, as Kafka's reader decodes them: a second frame made of the second block.
    const first = ours.readUInt32LE(7) & 0x7fffffff;
    const second = ours.subarray(7 + 4 + first);
    const secondBlock = Buffer.concat([ours.subarray(0, 7), second]);
    const lz4js = require('lz4js') as { decompress(frame: Uint8Array): Uint8Array };
    expect(Buffer.from(lz4js.decompress(secondBlock))).toEqual(sampleText().subarray(64 * 1024));
  });

  it('zstd: written where zlib has it, else refused at once with the Node version it needs', async () => {
    if (canCompressZstd) {
      expect(compressionType('zstd')).toBe(CompressionTypes.ZSTD);
      return;
    }
    expect(() => compressionType('zstd')).toThrow(/needs Node 22\.15 or later/);
    await expect(compress(zstdCodec, Buffer.from('x'))).rejects.toThrow(/needs Node 22\.15/);
  });

  it('names map to kafkajs types', () => {
    expect(compressionType('none')).toBe(CompressionTypes.None);
    expect(compressionType('gzip')).toBe(CompressionTypes.GZIP);
    expect(compressionType('snappy')).toBe(CompressionTypes.Snappy);
    expect(compressionType('lz4')).toBe(CompressionTypes.LZ4);
  });
});
