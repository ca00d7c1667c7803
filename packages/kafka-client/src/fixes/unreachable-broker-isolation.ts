import { STALLED_CODE } from '../connection/stall-detecting-socket.js';
import { classifyKafkaError, kafkaErrorCause } from '../errors/classify-kafka-error.js';
import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/** The parts of a kafkajs broker connection used here. */
interface Connection {
  readonly socket?: { destroy(error?: Error): void } | null;
  isConnected(): boolean;
}

/** The parts of a kafkajs Broker used here: its two connections (requests, fetches) and their address. */
interface Broker {
  readonly connectionPool: {
    readonly host: string;
    readonly port: number;
    readonly pool: readonly Connection[];
  };
}

/** The fields and methods of kafkajs' ConsumerGroup that the patch reads and wraps. */
interface ConsumerGroup {
  readonly groupId: string;
  readonly memberId: string | null;
  readonly generationId: number | null;
  readonly maxWaitTime: number;
  readonly sessionTimeout: number;
  readonly logger: {
    info(message: string, extra?: object): void;
    warn(message: string, extra?: object): void;
  };
  readonly coordinator?: Broker | null;
  readonly cluster: { readonly brokerPool: { readonly brokers: Readonly<Record<string, Broker>> } };
  heartbeat(options: { interval: number }): Promise<void>;
  fetch(nodeId: number): Promise<unknown[]>;
}

/**
 * A heartbeat sent in the background: whether one is in flight, the coordinator's refusal to pass
 * on, when to try again.
 */
interface HeartbeatState {
  inFlight: boolean;
  /** With the membership it was about: one the group has since left by rejoining is stale. */
  refusal?: {
    readonly error: unknown;
    readonly memberId: string | null;
    readonly generationId: number | null;
  };
  retryAt: number;
}

/** Marks the prototype once patched, so a second call does not wrap the wrappers. */
const patched = Symbol('isolateUnreachableBrokers');

const heartbeats = new WeakMap<ConsumerGroup, HeartbeatState>();

/** Per group, the brokers that cannot be fetched from: since when, and whether that was said at warn. */
const outages = new WeakMap<
  ConsumerGroup,
  Map<number, { readonly since: number; warned: boolean }>
>();

/**
 * kafkajs logs at info, which the app logs at debug: a broker whose partitions have not been
 * fetched for a whole session timeout is said once at warn (and so is its return), so an outage
 * that lasts, or a broken state that looks like one, is seen in the app's log.
 */
export function noteFetchOutcome(group: ConsumerGroup, nodeId: number, failed: unknown): void {
  let brokers = outages.get(group);
  if (failed === undefined) {
    const outage = brokers?.get(nodeId);
    if (outage === undefined) return;
    brokers?.delete(nodeId);
    if (outage.warned)
      group.logger.warn('A broker is fetched from again', {
        groupId: group.groupId,
        nodeId,
        afterMs: Date.now() - outage.since,
      });
    return;
  }
  if (!brokers) {
    brokers = new Map();
    outages.set(group, brokers);
  }
  const outage = brokers.get(nodeId) ?? { since: Date.now(), warned: false };
  brokers.set(nodeId, outage);
  if (!outage.warned && Date.now() - outage.since >= group.sessionTimeout) {
    outage.warned = true;
    group.logger.warn(
      "A broker's partitions have not been fetched for a session timeout; still trying",
      { groupId: group.groupId, nodeId, error: String(failed) },
    );
  }
}

/** Whether the error only says a broker could not be reached or did not answer (not that it refused or rebalanced). */
function isUnreachable(error: unknown): boolean {
  const { kind } = classifyKafkaError(error);
  return kind === 'unreachable' || kind === 'timeout';
}

/**
 * Closes the connections of the broker that let a request time out. kafkajs keeps such a
 * connection: it counts as connected, so a third of the metadata refreshes went to the silent
 * broker and held every partition for a request timeout, and once the network healed, requests
 * queued behind TCP's retransmission backoff (the stream of the cut broker's partitions came back
 * 12 s after the heal). Closed, the broker is left out of metadata requests, and the next request
 * to it opens a fresh connection, which gets through as soon as the network does.
 */
function dropSilentConnections(group: ConsumerGroup, error: unknown): void {
  const cause = kafkaErrorCause(error);
  const address =
    typeof cause === 'object' && cause !== null && 'broker' in cause ? String(cause.broker) : '';
  if (classifyKafkaError(error).kind !== 'timeout' || address === '') return;
  const brokers = [
    ...Object.values(group.cluster.brokerPool.brokers),
    ...(group.coordinator ? [group.coordinator] : []),
  ];
  for (const broker of brokers) {
    const { host, port, pool } = broker.connectionPool;
    if (`${host}:${port}` !== address) continue;
    // kafkajs turns a socket error into a connection error for what waits on it, as with a broker that closed it.
    for (const connection of pool) {
      if (connection.isConnected())
        connection.socket?.destroy(
          Object.assign(new Error(`no answer from ${address} within the request timeout`), {
            code: STALLED_CODE,
          }),
        );
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * kafkajs 2.2.4 lets one unreachable broker stop a consumer's every partition. It awaits a
 * heartbeat to the group coordinator after each batch, so a coordinator that does not answer (a
 * broker cut off from the clients, which its peers keep as coordinator) held all fetching for the
 * request timeout, then failed it; and a fetch that fails on one broker stops the fetchers of all
 * brokers, restarts them and, after a few failures, crashes the consumer, whose rejoin then waits
 * on the same coordinator. The stream fell behind by the whole length of a cut. This patch:
 * - sends heartbeats in the background: a coordinator that cannot be reached is tried again a
 *   heartbeat interval later while fetching goes on (it drops the member when its session ends;
 *   kafkajs rejoins on the answer that says so, and the rejoin seeks back to the stream's
 *   position), and any answer it does give (rebalance, unknown member) reaches kafkajs as before;
 * - keeps a fetch that cannot reach its broker to that broker: its fetcher waits a poll and tries
 *   again, while the others fetch on (no records were taken, so nothing is skipped or repeated);
 * - closes a connection whose request timed out (see dropSilentConnections);
 * - says at warn when a broker has not been fetched from for a session timeout (noteFetchOutcome).
 * Other errors go through unchanged. kafkajs has no option for any of it, so the ConsumerGroup
 * class is patched in place, only for the version read here. Returns whether it patched.
 */
export function isolateUnreachableBrokers(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  const ConsumerGroupClass = kafkajsRequire('kafkajs/src/consumer/consumerGroup.js') as {
    prototype: ConsumerGroup & { [patched]?: true };
  };
  const prototype = ConsumerGroupClass.prototype;
  if (prototype[patched]) return true;
  prototype[patched] = true;
  const { heartbeat, fetch } = prototype;

  prototype.heartbeat = function backgroundHeartbeat(
    this: ConsumerGroup,
    options: { interval: number },
  ): Promise<void> {
    let state = heartbeats.get(this);
    if (!state) {
      state = { inFlight: false, retryAt: 0 };
      heartbeats.set(this, state);
    }
    const { refusal } = state;
    state.refusal = undefined;
    // A refusal of the membership kafkajs has since replaced would make it rejoin again, and a
    // rejoin without a member id waits for the member it has just been to time out (10 s).
    if (refusal && refusal.memberId === this.memberId && refusal.generationId === this.generationId)
      return Promise.reject(refusal.error);
    if (!state.inFlight && Date.now() >= state.retryAt) {
      const current = state;
      const { memberId, generationId } = this;
      current.inFlight = true;
      heartbeat
        .call(this, options)
        .catch((error: unknown) => {
          if (!isUnreachable(error)) {
            current.refusal = { error, memberId, generationId };
            return;
          }
          current.retryAt = Date.now() + options.interval;
          dropSilentConnections(this, error);
          this.logger.info('The group coordinator did not answer a heartbeat; fetching goes on', {
            groupId: this.groupId,
            error: String(error),
          });
        })
        .finally(() => {
          current.inFlight = false;
        });
    }
    return Promise.resolve();
  };

  prototype.fetch = async function fetchFromReachableBrokers(
    this: ConsumerGroup,
    nodeId: number,
  ): Promise<unknown[]> {
    try {
      const batches = await fetch.call(this, nodeId);
      noteFetchOutcome(this, nodeId, undefined);
      return batches;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      noteFetchOutcome(this, nodeId, error);
      dropSilentConnections(this, error);
      this.logger.info('A broker could not be fetched from; the others are fetched on', {
        groupId: this.groupId,
        nodeId,
        error: String(error),
      });
      await sleep(this.maxWaitTime);
      return [];
    }
  };
  return true;
}
