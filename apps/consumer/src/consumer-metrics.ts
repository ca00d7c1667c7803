import { Counter, Gauge, type Registry } from 'prom-client';

/** The consumer's stream and Kafka metrics, registered in the app's registry. */
export interface ConsumerMetrics {
  readonly clients: Gauge;
  readonly eventsSent: Counter;
  readonly slowClientDisconnects: Counter;
  readonly rejectedClients: Counter;
  readonly recordsConsumed: Counter;
  readonly bufferedRecords: Gauge;
  readonly undecodableBatches: Counter;
  readonly catchUps: Gauge;
  readonly catchUpRecords: Counter;
  readonly refusedCatchUps: Counter;
  readonly bufferedBytes: Gauge;
}

export function createConsumerMetrics(registry: Registry): ConsumerMetrics {
  const registers = [registry];
  return {
    clients: new Gauge({ name: 'sse_clients', help: 'Connected SSE clients', registers }),
    eventsSent: new Counter({
      name: 'sse_events_sent_total',
      help: 'Events written to SSE clients (replays included)',
      registers,
    }),
    slowClientDisconnects: new Counter({
      name: 'sse_slow_client_disconnects_total',
      help: 'Clients disconnected for not keeping up',
      registers,
    }),
    rejectedClients: new Counter({
      name: 'sse_rejected_clients_total',
      help: 'Clients refused because MAX_CLIENTS were connected, or the client held MAX_CLIENT_STREAMS',
      registers,
    }),
    recordsConsumed: new Counter({
      name: 'kafka_records_consumed_total',
      help: 'Records consumed from Kafka (redeliveries not counted)',
      registers,
    }),
    bufferedRecords: new Gauge({
      name: 'sse_replay_buffer_records',
      help: 'Records held for replay',
      registers,
    }),
    undecodableBatches: new Counter({
      name: 'kafka_undecodable_batches_total',
      help: 'Record batches skipped because they could not be decoded: their records are not streamed',
      registers,
    }),
    catchUps: new Gauge({
      name: 'sse_catch_ups',
      help: 'Resumes being served from Kafka or in parts (up to MAX_CATCH_UPS)',
      registers,
    }),
    catchUpRecords: new Counter({
      name: 'sse_catch_up_records_total',
      help: 'Records read from Kafka for resumes the replay buffer no longer reached',
      registers,
    }),
    refusedCatchUps: new Counter({
      name: 'sse_refused_catch_ups_total',
      help: 'Resumes refused (503) because MAX_CATCH_UPS were running',
      registers,
    }),
    bufferedBytes: new Gauge({
      name: 'sse_replay_buffer_bytes',
      help: 'Bytes of record values held for replay (up to REPLAY_MAX_BYTES)',
      registers,
    }),
  };
}
