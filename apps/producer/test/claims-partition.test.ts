import type { KafkaMessage } from '@demo-kafka/kafka-client';
import { describe, expect, it } from 'vitest';
import { ClaimsIndex, type Claim } from '../src/idempotency/claims-index.js';
import { ClaimsPartition } from '../src/kafka/claims-partition.js';

const claim = (owner: string): Claim => ({
  kind: 'claim',
  key: 'k',
  fingerprint: 'f',
  owner,
  at: 100,
  leaseMs: 1_000,
});
const message = (offset: number, record: Claim): KafkaMessage =>
  ({ offset: String(offset), value: Buffer.from(JSON.stringify(record)) }) as KafkaMessage;

describe('ClaimsPartition: what this replica has read of one claims partition', () => {
  it('applies each record once when two reads overlap (a leader moved mid-read)', () => {
    const index = new ClaimsIndex();
    const partition = new ClaimsPartition(0, index);
    partition.start(5n);
    partition.take([message(5, claim('a'))], 6n);
    // The second read started from 5 too, and saw b's claim after a's: a still holds the key.
    partition.take([message(5, claim('a')), message(6, claim('b'))], 7n);
    expect(partition.position).toBe(7n);
    expect(index.holding('k', 5n)).toEqual({});
    expect(index.holding('k', 6n)).toBeUndefined();
  });

  it('answers a wait once read past its offset, and times a wait out with a 503 kind', async () => {
    const partition = new ClaimsPartition(0, new ClaimsIndex());
    partition.start(0n);
    const past = partition.readPast(3n, 5_000);
    partition.take([], 3n);
    partition.skipTo(4n);
    await expect(past).resolves.toBeUndefined();
    await expect(partition.readPast(4n, 10)).rejects.toMatchObject({ kind: 'timeout' });
  });

  it("applies its own appends at once when everything before them was read, not when another replica's came first", async () => {
    const index = new ClaimsIndex();
    const partition = new ClaimsPartition(0, index);
    partition.start(3n);
    partition.appended(3n, [claim('a')]);
    expect(partition.position).toBe(4n);
    expect(index.holding('k', 3n)).toEqual({});
    // Offset 4 is not read yet: an append at 5 waits for the read of 4.
    partition.appended(5n, [claim('c')]);
    expect(partition.position).toBe(4n);
    const past = partition.readPast(5n, 5_000);
    expect(partition.behind).toBe(true);
    partition.take([message(4, claim('b')), message(5, claim('c'))], 6n);
    await expect(past).resolves.toBeUndefined();
    expect(partition.behind).toBe(false);
    expect(index.holding('k', 5n)).toBeUndefined();
  });

  it('skips a record it cannot read and goes on', () => {
    const partition = new ClaimsPartition(0, new ClaimsIndex());
    partition.start(0n);
    partition.take([{ offset: '0', value: Buffer.from('not json') } as KafkaMessage], 1n);
    expect(partition.position).toBe(1n);
  });

  it('skips an outcome without its record time, so its key is not forgotten at the next prune', () => {
    const index = new ClaimsIndex();
    const partition = new ClaimsPartition(0, index);
    partition.start(0n);
    const outcome = {
      kind: 'written',
      key: 'k',
      fingerprint: 'f',
      topic: 't',
      partition: 0,
      offset: '7',
    };
    partition.take(
      [
        message(0, claim('a')),
        { offset: '1', value: Buffer.from(JSON.stringify(outcome)) } as KafkaMessage,
      ],
      2n,
    );
    index.prune(50);
    expect(index.state('k', 200).kind).toBe('claimed');
    expect(partition.position).toBe(2n);
  });
});
