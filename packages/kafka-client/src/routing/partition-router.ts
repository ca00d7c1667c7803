import { Partitioners, type Message, type PartitionMetadata } from '../kafkajs.js';

/**
 * Chooses a record's partition before it is queued, from the partitions and leaders kafkajs last
 * partitioned by, so that the producer can send the records of each leader on their own and move
 * keyless records off a partition whose leader does not answer. A keyed record goes where kafkajs'
 * default partitioner (Java's murmur2) sends its key; a keyless one round-robin over the
 * partitions that have a leader.
 */
export class PartitionRouter {
  readonly #partitions = new Map<string, readonly PartitionMetadata[]>();
  /** Per topic, the leader of each partition id (built once per metadata refresh, read per record). */
  readonly #leaders = new Map<string, Int32Array>();
  /** Per topic, the partitions that have a leader (keyless records go to these). */
  readonly #led = new Map<string, readonly PartitionMetadata[]>();
  readonly #byKey = Partitioners.DefaultPartitioner();
  #next = Math.floor(Math.random() * 0x7fffffff);

  /** Takes kafkajs' current view of `topic` (see firstChoicePartitioner's `observe`). */
  observe(topic: string, partitions: readonly PartitionMetadata[]): void {
    // Called for every record on every attempt: kafkajs hands the same array until it refreshes.
    if (this.#partitions.get(topic) === partitions) return;
    this.#partitions.set(topic, partitions);
    const leaders = new Int32Array(Math.max(0, ...partitions.map((p) => p.partitionId + 1))).fill(
      -1,
    );
    for (const p of partitions) leaders[p.partitionId] = p.leader;
    this.#leaders.set(topic, leaders);
    this.#led.set(
      topic,
      partitions.filter((p) => p.leader >= 0),
    );
  }

  /**
   * Sets `message.partition` and returns it, keeping a keyless record off the partitions in
   * `avoid` when another has a leader; undefined (left to kafkajs) until the topic was seen.
   */
  route(topic: string, message: Message, avoid?: ReadonlySet<number>): number | undefined {
    const partitions = this.#partitions.get(topic);
    if (partitions === undefined || partitions.length === 0) return undefined;
    if (message.key !== null && message.key !== undefined) {
      // kafkajs' type wants a mutable array; the partitioner only reads it.
      message.partition = this.#byKey({
        topic,
        partitionMetadata: partitions as PartitionMetadata[],
        message,
      });
      return message.partition;
    }
    const led = this.#led.get(topic) ?? [];
    const open =
      avoid === undefined || avoid.size === 0 ? led : led.filter((p) => !avoid.has(p.partitionId));
    const choices = open.length > 0 ? open : led.length > 0 ? led : partitions;
    this.#next = (this.#next + 1) & 0x7fffffff;
    message.partition = choices[this.#next % choices.length]?.partitionId ?? 0;
    return message.partition;
  }

  /** The node id leading `partition` of `topic` as last seen; -1 when unknown. */
  leaderOf(topic: string, partition: number): number {
    return this.#leaders.get(topic)?.[partition] ?? -1;
  }
}
