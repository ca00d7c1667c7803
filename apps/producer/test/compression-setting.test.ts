import { ConfigError } from '@demo-kafka/config';
import { describe, expect, it } from 'vitest';
import { readProducerSettings } from '../src/settings.js';

/** Node has zlib zstd from 22.15 and 23.8: before that, zstd is read but not written. */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const NODE_WRITES_ZSTD =
  major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15);

describe('KAFKA_COMPRESSION', () => {
  it('is none by default, and takes the names Kafka gives its codecs', () => {
    expect(readProducerSettings({}).KAFKA_COMPRESSION).toBe('none');
    for (const name of ['none', 'gzip', 'snappy', 'lz4'])
      expect(readProducerSettings({ KAFKA_COMPRESSION: name }).KAFKA_COMPRESSION).toBe(name);
  });

  it('stops start-up on a name that is no codec, listing the ones there are', () => {
    const read = () => readProducerSettings({ KAFKA_COMPRESSION: 'brotli' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow('KAFKA_COMPRESSION: expected one of none, gzip, snappy, lz4, zstd');
  });

  it.runIf(NODE_WRITES_ZSTD)('takes zstd where Node has zlib zstd', () => {
    expect(readProducerSettings({ KAFKA_COMPRESSION: 'zstd' }).KAFKA_COMPRESSION).toBe('zstd');
  });

  it.skipIf(NODE_WRITES_ZSTD)(
    'stops start-up on zstd where Node cannot write it, saying why',
    () => {
      expect(() => readProducerSettings({ KAFKA_COMPRESSION: 'zstd' })).toThrow(
        /KAFKA_COMPRESSION: zstd compression needs Node 22\.15 or later .* this is Node \d/,
      );
    },
  );
});
