import type { ConsumerConfig, KafkaConfig } from '../kafkajs.js';

/**
 * How long the consumer waits for a broker's answer (fetches add their own long-poll wait): a
 * quarter of the producer's default produce timeout, as the producer's own request timeout is.
 */
export const STREAM_REQUEST_TIMEOUT_MS = 2_500;

/**
 * kafkajs settings that keep the stream flowing through a broker fault. With kafkajs' defaults a
 * frozen or cut-off leader or group coordinator held its partitions for the whole 30 s request
 * timeout, a dead leader not yet fenced made the consumer crash and rejoin its group every few
 * seconds (three connection retries in 1.4 s), and a moved leader was found only by a fetch error
 * (metadata is otherwise refreshed every 5 minutes). So: requests time out quickly, metadata is
 * refreshed as often, and connection retries span the cluster's fencing of a dead broker.
 */
export const consumerFailoverTuning: {
  readonly client: Pick<KafkaConfig, 'requestTimeout' | 'retry'>;
  readonly consumer: Pick<ConsumerConfig, 'metadataMaxAge' | 'retry'>;
} = {
  client: {
    requestTimeout: STREAM_REQUEST_TIMEOUT_MS,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1_000 },
  },
  consumer: {
    metadataMaxAge: STREAM_REQUEST_TIMEOUT_MS,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1_000 },
  },
};
