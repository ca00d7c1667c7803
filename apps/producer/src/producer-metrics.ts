import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The producer's Kafka metrics, registered in the app's registry. */
export interface ProducerMetrics {
  readonly recordsProduced: Counter;
  readonly produceFailures: Counter<'reason'>;
  readonly batchSize: Histogram;
  readonly produceRequestSeconds: Histogram;
  /** 1 in each process; summed over the workers when they are aggregated. */
  readonly workers: Gauge;
}

export function createProducerMetrics(registry: Registry): ProducerMetrics {
  const workers = new Gauge({
    name: 'producer_workers',
    help: 'Producer processes serving this port (node:cluster workers)',
    registers: [registry],
  });
  workers.set(1);
  return {
    workers,
    recordsProduced: new Counter({
      name: 'kafka_records_produced_total',
      help: 'Records Kafka acknowledged',
      registers: [registry],
    }),
    produceFailures: new Counter({
      name: 'kafka_produce_failures_total',
      help: 'Records not written, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'kafka_produce_batch_records',
      help: 'Records per produce request (concurrent POSTs are coalesced)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    // Per POST, the time to Kafka's acknowledgement is http_request_duration_seconds.
    produceRequestSeconds: new Histogram({
      name: 'kafka_produce_request_duration_seconds',
      help: 'Time one produce request (a batch of records) took, acknowledged or failed',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
