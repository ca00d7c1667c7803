import { KAFKA_SYSTEM, MESSAGING, traceContextOf } from '@demo-kafka/app-kit';
import { SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { DeliveryObserver } from '../stream/stream-hub.js';
import type { StreamRecord } from '../stream/stream-record.js';

/** How many stream clients a record was written to (live, not counting later replays). */
export const SSE_CLIENTS_ATTRIBUTE = 'demo_kafka.sse.clients';

interface OpenSpan {
  readonly span: Span;
  clients: number;
}

const keyOf = (record: StreamRecord): string => `${record.partition}:${record.offset}`;

/**
 * A consumer ("process") span per record received, child of the context its headers carry (the
 * producer's span), so the trace goes on from HTTP through Kafka; it ends when the record's
 * fan-out pass is over, with the number of stream clients that got it.
 *
 * Ours rather than the kafkajs instrumentation's: its spans end when `eachBatch` returns, but
 * the stream hub delivers later (paced passes), so they could not say who got the record.
 */
export class RecordSpans implements DeliveryObserver {
  readonly #open = new Map<string, OpenSpan>();

  constructor(
    private readonly topic: string,
    private readonly groupId: () => string,
    private readonly tracer: Tracer = trace.getTracer('demo-kafka-consumer'),
  ) {}

  /** Starts a span for each record just consumed (a redelivery of one still open keeps that one). */
  received(records: readonly StreamRecord[]): void {
    const group = this.groupId();
    for (const record of records) {
      const key = keyOf(record);
      if (this.#open.has(key)) continue;
      const span = this.tracer.startSpan(
        `process ${this.topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            [MESSAGING.system]: KAFKA_SYSTEM,
            [MESSAGING.operationType]: 'process',
            [MESSAGING.operationName]: 'process',
            [MESSAGING.destinationName]: this.topic,
            [MESSAGING.partitionId]: String(record.partition),
            [MESSAGING.kafkaOffset]: Number(record.offset),
            [MESSAGING.consumerGroup]: group,
            [MESSAGING.bodySize]: record.binaryValue?.length ?? Buffer.byteLength(record.value),
            ...(record.key !== null ? { [MESSAGING.kafkaKey]: record.key } : {}),
          },
        },
        traceContextOf(record.headers),
      );
      this.#open.set(key, { span, clients: 0 });
    }
  }

  delivered(events: readonly StreamRecord[], clients: number): void {
    for (const event of events) {
      const open = this.#open.get(keyOf(event));
      if (open) open.clients += clients;
    }
  }

  passEnded(records: readonly StreamRecord[]): void {
    for (const record of records) {
      const key = keyOf(record);
      const open = this.#open.get(key);
      if (!open) continue;
      this.#open.delete(key);
      open.span.setAttribute(SSE_CLIENTS_ATTRIBUTE, open.clients);
      open.span.end();
    }
  }

  /** Ends the spans of records never fanned out (shutdown), so they are exported too. */
  endAll(): void {
    for (const { span, clients } of this.#open.values())
      span.setAttribute(SSE_CLIENTS_ATTRIBUTE, clients).end();
    this.#open.clear();
  }
}
