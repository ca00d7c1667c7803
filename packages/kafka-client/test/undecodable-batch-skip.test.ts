import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { CompressionTypes } from '../src/kafkajs.js';
import type { CompressionType } from '../src/codecs/compression-names.js';
import { applyKafkajsFixes } from '../src/fixes/kafkajs-fixes.js';
import { decodeOrSkip, reportSkips } from '../src/fixes/undecodable-batch-skip.js';
import { onUndecodableBatch, type UndecodableBatch } from '../src/fixes/undecodable-batches.js';
import { kafkajsOriginal } from './kafkajs-original.js';

const require = createRequire(import.meta.url);
// kafkajs' internals have no types: typed by what is used here.
interface Record {
  readonly offset: string;
  readonly value: Buffer | null;
  readonly isControlRecord: boolean;
}
interface Decoder {
  buffer: Buffer;
  offset: number;
}
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => Decoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(batch: object): Promise<{ buffer: Buffer }>;
};
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  record: object,
) => unknown;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: number): unknown };
/** kafkajs' fetch decoding, bound (at its first load) to the record batch decoder in place. */
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (
  decoder: Decoder,
) => Promise<Record[]>;
const Batch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: object,
) => {
  topic: string;
  partition: number;
  messagesWithinOffset: Record[];
  messages: Record[];
  lastOffset(): string;
  isEmptyDueToFiltering(): boolean;
};
const originalDecoder = kafkajsOriginal<(decoder: Decoder) => Promise<{ records: Record[] }>>(
  'kafkajs/src/protocol/recordBatch/v0/decoder.js',
);

/** A record batch as kafkajs writes one: `values` from `firstOffset` on. */
async function batch(
  firstOffset: number,
  values: readonly string[],
  compression: CompressionType = CompressionTypes.None,
): Promise<Buffer> {
  const encoded = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(firstOffset),
    lastOffsetDelta: values.length - 1,
    records: values.map((value, offsetDelta) =>
      encodeRecord({ value: Buffer.from(value), offsetDelta, timestampDelta: 0 }),
    ),
  });
  return encoded.buffer;
}

/** The batch with its compression id replaced (attributes' low three bits). */
function withCodecId(bytes: Buffer, id: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeInt16BE((copy.readInt16BE(21) & ~0x07) | id, 21);
  return copy;
}

/** The batch with its compressed payload's last bytes (gzip's checksum and length) flipped. */
function corrupted(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  for (let i = copy.length - 8; i < copy.length; i++) copy[i] = (copy[i] ?? 0) ^ 0xff;
  return copy;
}

/** A fetch response's record set: its size, then the batches. */
function recordSet(...batches: Buffer[]): Decoder {
  const body = Buffer.concat(batches);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return new Decoder(Buffer.concat([size, body]));
}

const summary = (records: readonly Record[]) =>
  records.map((r) => `${r.offset}:${r.isControlRecord ? 'skipped' : r.value?.toString()}`);

describe('undecodable-batch-skip', () => {
  const unsubscribe: Array<() => void> = [];
  afterEach(() => {
    for (const stop of unsubscribe.splice(0)) stop();
  });

  it('applies', () => {
    expect(applyKafkajsFixes().get('undecodable-batch-skip')).toBe(true);
  });

  it('kafkajs itself fails the whole fetch on a batch it cannot decode', async () => {
    const bad = corrupted(await batch(2, ['c', 'd'], CompressionTypes.GZIP));
    await expect(originalDecoder(new Decoder(bad))).rejects.toThrow();
    // A compression id Kafka does not define is read as no compression: garbage, or an error.
    const unknown = withCodecId(await batch(2, ['c', 'd'], CompressionTypes.GZIP), 5);
    await expect(originalDecoder(new Decoder(unknown))).rejects.toThrow();
  });

  it('leaves such a batch out as one control record at its last offset, and decodes on', async () => {
    const records = await decodeMessages(
      recordSet(
        await batch(0, ['a', 'b']),
        corrupted(await batch(2, ['c', 'd', 'e'], CompressionTypes.GZIP)),
        withCodecId(await batch(5, ['f', 'g'], CompressionTypes.GZIP), 6),
        await batch(7, ['h'], CompressionTypes.GZIP),
      ),
    );
    expect(summary(records)).toEqual(['0:a', '1:b', '4:skipped', '6:skipped', '7:h']);
  });

  it('still ends the record set at a batch cut short by the fetch size (not a skip)', async () => {
    const cut = await batch(2, ['c', 'd'], CompressionTypes.GZIP);
    const records = await decodeMessages(
      recordSet(await batch(0, ['a', 'b']), cut.subarray(0, cut.length - 3)),
    );
    expect(summary(records)).toEqual(['0:a', '1:b']);
  });

  it('moves the decoder past the batch whatever the codec read of it', async () => {
    const bad = corrupted(await batch(10, ['x', 'y'], CompressionTypes.GZIP));
    const decoder = new Decoder(Buffer.concat([bad, Buffer.from('next')]));
    const { records } = await decodeOrSkip(decoder, originalDecoder);
    expect(decoder.offset).toBe(bad.length);
    expect(summary(records as Record[])).toEqual(['11:skipped']);
  });

  it('kafkajs resolves the skipped batch’s last offset: the next fetch starts after it', async () => {
    const [marker] = await decodeMessages(
      recordSet(corrupted(await batch(2, ['c', 'd', 'e'], CompressionTypes.GZIP))),
    );
    const alone = new Batch('t', '2', { partition: 0, highWatermark: '5', messages: [marker] });
    // The runner resolves lastOffset() for a batch empty by filtering; the next fetch is at +1.
    expect(alone.isEmptyDueToFiltering()).toBe(true);
    expect(alone.lastOffset()).toBe('4');
    expect(alone.messages).toEqual([]);
    const [a] = await decodeMessages(recordSet(await batch(0, ['a'])));
    const mixed = new Batch('t', '0', { partition: 0, highWatermark: '5', messages: [a, marker] });
    expect(summary(mixed.messages)).toEqual(['0:a']);
    expect(mixed.lastOffset()).toBe('4');
  });

  it('reports each skipped batch once per group and partition, only from the fetch position on', async () => {
    const seen: UndecodableBatch[] = [];
    unsubscribe.push(onUndecodableBatch((skip) => seen.push(skip)));
    const [marker] = await decodeMessages(
      recordSet(corrupted(await batch(20, ['c', 'd'], CompressionTypes.GZIP))),
    );
    const fetched = (fetchedOffset: string) => [
      new Batch('topic-r', fetchedOffset, {
        partition: 3,
        highWatermark: '30',
        messages: [marker],
      }),
    ];
    reportSkips('group-r', fetched('22'));
    expect(seen).toEqual([]);
    reportSkips('group-r', fetched('20'));
    reportSkips('group-r', fetched('20'));
    expect(seen).toEqual([
      {
        groupId: 'group-r',
        topic: 'topic-r',
        partition: 3,
        firstOffset: '20',
        lastOffset: '21',
        error: expect.any(Error),
      },
    ]);
    reportSkips('other-group', fetched('20'));
    expect(seen.map((skip) => skip.groupId)).toEqual(['group-r', 'other-group']);
  });

  it('reports two skipped batches of a partition once each, also when a rejoin fetches both again', async () => {
    const seen: UndecodableBatch[] = [];
    unsubscribe.push(onUndecodableBatch((skip) => seen.push(skip)));
    // A listener that throws fails neither the fetch nor the listeners after it.
    unsubscribe.push(
      onUndecodableBatch(() => {
        throw new Error('a listener of its own failing');
      }),
    );
    const markers = await decodeMessages(
      recordSet(
        corrupted(await batch(40, ['a'], CompressionTypes.GZIP)),
        corrupted(await batch(41, ['b'], CompressionTypes.GZIP)),
      ),
    );
    expect(markers).toHaveLength(2);
    const fetched = () => [
      new Batch('topic-2', '40', { partition: 0, highWatermark: '42', messages: markers }),
    ];
    reportSkips('group-2', fetched());
    reportSkips('group-2', fetched());
    expect(seen.map((skip) => skip.firstOffset)).toEqual(['40', '41']);
  });

  it('does not skip a batch whose length is shorter than its own header: kafkajs refuses it', async () => {
    const bytes = await batch(50, ['a']);
    bytes.writeInt32BE(-12, 8);
    const decoder = new Decoder(bytes);
    // Skipped, it would set the decoder back to where it was, and kafkajs' loop would never end.
    await expect(decodeOrSkip(decoder, originalDecoder)).rejects.toThrow();
  });
});
