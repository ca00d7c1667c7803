import { swapKafkajsModule } from './kafkajs-module-swap.js';

const SEND_MESSAGES_MODULE = 'kafkajs/src/producer/sendMessages.js';
/** The one module that binds sendMessages when it loads. */
const MESSAGE_PRODUCER_MODULE = 'kafkajs/src/producer/messageProducer.js';

/** A kafkajs broker, as far as its lock goes. */
interface LockedBroker {
  readonly nodeId: number | string;
}

/** What sendMessages calls on kafkajs' EosManager around each request to a broker. */
export interface BrokerLocks {
  acquireBrokerLock(broker: LockedBroker): Promise<void>;
  releaseBrokerLock(broker: LockedBroker): void;
}

export type Bail = (error: unknown) => void;
export type Attempt<T> = (bail: Bail, retryCount: number, retryTime: number) => Promise<T>;
/** kafkajs' retrier (src/retry): runs `attempt` again after a retriable error, until its count is spent. */
export type Retrier = <T>(attempt: Attempt<T>) => Promise<T>;

/** The options kafkajs' messageProducer gives sendMessages (the others are passed through untouched). */
export interface SendMessagesOptions {
  readonly eosManager: BrokerLocks;
  readonly retrier: Retrier;
  readonly [other: string]: unknown;
}
export type SendMessages = (request: unknown) => Promise<unknown>;
export type CreateSendMessages = (options: SendMessagesOptions) => SendMessages;

/**
 * kafkajs 2.2.4's sendMessages can write a record twice with its idempotent producer. One attempt
 * sends a request to each leader broker and awaits them with `Promise.all`, which rejects at the
 * first failure while the requests to the other brokers are still in flight; the retrier then
 * starts the next attempt after its backoff. That attempt sends again to every broker that has no
 * answer recorded yet, and a request still in flight has none. The second request to that broker
 * waits for the broker's lock and takes its sequence numbers after the first request released
 * it: when the first one succeeded, they were advanced, not rolled back, so the broker sees new
 * sequence numbers and appends the same records once more. (Seen in a fault campaign: during a
 * cut of a leader from its peers, the request to another leader answered REQUEST_TIMED_OUT, its
 * retry was written as a duplicate of the first at offsets 132 and 258, and while it was in flight
 * the cut leader's fast NOT_ENOUGH_REPLICAS started a third attempt, whose request to the same
 * broker, of the same size, was appended again at 168 and 337: 115 records twice.)
 *
 * This wraps sendMessages so that an attempt that fails returns its error only once every
 * broker request of the send has settled, so each broker's answer (or rolled-back sequence) is
 * recorded before the next attempt decides where to send, and a send that fails (or bails) has
 * no request left that could still write after its caller moved on. The requests are counted
 * through the broker lock, which each one takes before it sends and gives back when it settled.
 * Waiting costs at most one request timeout, within the attempt that failed.
 */
export function settlingSendMessages(create: CreateSendMessages): CreateSendMessages {
  return (options) => (request) => {
    // Per send: what it waits for is its own requests, not those of a concurrent send.
    let outstanding = 0;
    const idle: Array<() => void> = [];
    const settle = (): void => {
      outstanding -= 1;
      if (outstanding === 0)
        idle.splice(0).forEach((resolve) => {
          resolve();
        });
    };
    const settled = (): Promise<void> =>
      outstanding === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    const { eosManager, retrier } = options;
    // The rest of the EosManager (sequences, producer id) is the real one, through the prototype.
    const locks: BrokerLocks = Object.create(eosManager) as BrokerLocks;
    locks.acquireBrokerLock = (broker) => {
      // Called synchronously when the attempt creates the request, so a failure of another
      // broker's request cannot be seen before this one is counted.
      outstanding += 1;
      return eosManager.acquireBrokerLock(broker).catch((error: unknown) => {
        // kafkajs releases only a lock it got (a lock timeout skips its finally).
        settle();
        throw error;
      });
    };
    locks.releaseBrokerLock = (broker) => {
      try {
        eosManager.releaseBrokerLock(broker);
      } finally {
        settle();
      }
    };
    const settlingRetrier: Retrier = (attempt) =>
      retrier(async (bail, retryCount, retryTime) => {
        let bailed: { readonly error: unknown } | undefined;
        try {
          const result = await attempt((error) => (bailed = { error }), retryCount, retryTime);
          if (bailed !== undefined) {
            await settled();
            bail(bailed.error);
          }
          return result;
        } catch (error) {
          await settled();
          throw error;
        }
      });
    return create({ ...options, eosManager: locks, retrier: settlingRetrier })(request);
  };
}

/**
 * Swaps the sendMessages that kafkajs' message producer requires for {@link settlingSendMessages}.
 * It must run before kafkajs loads its message producer, which binds sendMessages once
 * (kafkajs-fixes.ts runs it first). Only for the version read here; returns whether it swapped.
 */
export function fixSendMessagesRetryOverlap(): boolean {
  return swapKafkajsModule<CreateSendMessages>(
    SEND_MESSAGES_MODULE,
    MESSAGE_PRODUCER_MODULE,
    settlingSendMessages,
  );
}
