import { classifyKafkaError } from '../errors/classify-kafka-error.js';
import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/** The parts of a kafkajs Broker used here. */
interface Broker {
  readonly connectionPool: { readonly host: string; readonly port: number };
  isConnected(): boolean;
  produce(request: unknown): Promise<unknown>;
}

/** The parts of kafkajs' BrokerPool used here. */
interface BrokerPool {
  readonly brokers: Readonly<Record<string, Broker>>;
  /** The last metadata: the controller it names, and every broker's address. */
  readonly metadata?: {
    readonly controllerId?: number | null;
    readonly brokers?: ReadonlyArray<{ nodeId: number; host: string; port: number }>;
  } | null;
  findBroker(options: { nodeId: string }): Promise<Broker>;
  findConnectedBroker(): Promise<Broker>;
}

/** The parts of kafkajs' Cluster used here. */
interface Cluster {
  readonly brokerPool: BrokerPool;
  findControllerBroker(): Promise<Broker>;
}

/** Marks the prototypes once patched, so a second call does not wrap the wrappers. */
const patched = Symbol('metadataFromAnsweringBrokers');

/**
 * How long a broker whose produce request timed out is not asked for metadata (unless no other
 * broker is connected): longer than the cluster takes to fence it and elect new leaders.
 */
export const SILENT_LEADER_MS = 30_000;

/** Brokers (host:port) whose last produce request timed out, and since when (process-wide, as addresses are). */
const silentSince = new Map<string, number>();

const addressOf = (broker: Broker): string =>
  `${broker.connectionPool.host}:${broker.connectionPool.port}`;

/** Whether the broker at `address` is kept out of metadata requests now. */
export function isSilentLeader(address: string, now = Date.now()): boolean {
  const since = silentSince.get(address);
  if (since === undefined) return false;
  if (now - since < SILENT_LEADER_MS) return true;
  silentSince.delete(address);
  return false;
}

/** Whether any broker is kept out of metadata requests now. */
export function anySilentLeader(now = Date.now()): boolean {
  for (const [address, since] of silentSince) {
    if (now - since < SILENT_LEADER_MS) return true;
    silentSince.delete(address);
  }
  return false;
}

/** Marks the broker at `address` silent after a produce request that timed out; clears it after an answer. */
export function noteProduceOutcome(address: string, error?: unknown): void {
  if (error === undefined) {
    if (silentSince.size > 0) silentSince.delete(address);
  } else if (classifyKafkaError(error).kind === 'timeout') silentSince.set(address, Date.now());
}

/** Forgets every broker marked silent (for tests). */
export function forgetSilentLeaders(): void {
  silentSince.clear();
}

/**
 * A produce request that timed out at the broker (REQUEST_TIMED_OUT) or on the way says the
 * leader could not get its followers' acknowledgements: most often because it was cut off from
 * them, and the cluster has fenced it and elected new leaders, which the cut broker does not know.
 * kafkajs then refreshes its metadata from a random connected broker, so a third of the time it
 * asked the cut broker itself, was told again that it leads, and every record bound for its
 * partitions waited out the whole produce timeout. This patch:
 * - marks a broker silent when a produce request to it times out, and clears the mark when one
 *   succeeds (or after {@link SILENT_LEADER_MS});
 * - asks a connected broker that is not marked for metadata, when there is one;
 * - asks one for the idempotent producer's id instead of a marked broker that the metadata names
 *   controller. KRaft brokers name a random live broker there (any broker forwards what a
 *   controller must do), so a third of the producers made after a failed write (to renew the
 *   producer id) asked the cut broker, waited a request timeout and failed the batch.
 * kafkajs has no option for any of it, so Broker, BrokerPool and Cluster are patched in place,
 * only for the version read here. Returns whether it patched.
 */
export function takeMetadataFromAnsweringBrokers(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  // kafkajs ships no types for its internals; the classes are typed by the fields used here.
  const BrokerClass = kafkajsRequire('kafkajs/src/broker/index.js') as {
    prototype: Broker & { [patched]?: true };
  };
  const BrokerPoolClass = kafkajsRequire('kafkajs/src/cluster/brokerPool.js') as {
    prototype: BrokerPool & { [patched]?: true };
  };
  const ClusterClass = kafkajsRequire('kafkajs/src/cluster/index.js') as {
    prototype: Cluster & { [patched]?: true };
  };
  if (BrokerClass.prototype[patched]) return true;
  BrokerClass.prototype[patched] = true;
  BrokerPoolClass.prototype[patched] = true;
  ClusterClass.prototype[patched] = true;

  const { produce } = BrokerClass.prototype;
  BrokerClass.prototype.produce = async function markSilentLeaders(
    this: Broker,
    request: unknown,
  ): Promise<unknown> {
    try {
      const response = await produce.call(this, request);
      if (silentSince.size > 0) silentSince.delete(addressOf(this));
      return response;
    } catch (error) {
      if (classifyKafkaError(error).kind === 'timeout')
        silentSince.set(addressOf(this), Date.now());
      throw error;
    }
  };

  const { findConnectedBroker } = BrokerPoolClass.prototype;
  BrokerPoolClass.prototype.findConnectedBroker = function findAnsweringBroker(
    this: BrokerPool,
  ): Promise<Broker> {
    if (silentSince.size === 0) return findConnectedBroker.call(this);
    const now = Date.now();
    const answering = Object.keys(this.brokers).filter((nodeId) => {
      const broker = this.brokers[nodeId];
      return broker?.isConnected() === true && !isSilentLeader(addressOf(broker), now);
    });
    const nodeId = answering[Math.floor(Math.random() * answering.length)];
    return nodeId === undefined ? findConnectedBroker.call(this) : this.findBroker({ nodeId });
  };

  const { findControllerBroker } = ClusterClass.prototype;
  ClusterClass.prototype.findControllerBroker = function controllerOrAnsweringBroker(
    this: Cluster,
  ): Promise<Broker> {
    const { metadata } = this.brokerPool;
    const named = metadata?.brokers?.find((b) => b.nodeId === metadata.controllerId);
    if (named === undefined || !isSilentLeader(`${named.host}:${named.port}`))
      return findControllerBroker.call(this);
    return this.brokerPool.findConnectedBroker();
  };
  return true;
}
