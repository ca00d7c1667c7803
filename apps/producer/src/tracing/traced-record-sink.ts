import { ERROR_TYPE, KAFKA_SYSTEM, MESSAGING, withTraceContext } from '@demo-kafka/app-kit';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import {
  SinkError,
  type OutgoingRecord,
  type RecordAck,
  type RecordSink,
} from '../kafka/record-sink.js';

/**
 * A {@link RecordSink} that gives every record a producer span (messaging conventions), child of
 * the active context (the POST's server span), and writes that span's context into the record's
 * headers as its `traceparent`, so a reader continues the trace. The span ends once Kafka
 * acknowledged the record (partition and offset then known) or the write failed.
 *
 * Per record rather than per kafkajs send: the batching sender coalesces the POSTs of many
 * traces into one produce request, so a span around `producer.send()` (what the kafkajs
 * instrumentation makes) would belong to whichever request happened to start the batch.
 */
export class TracedRecordSink implements RecordSink {
  constructor(
    private readonly inner: RecordSink,
    private readonly topic: () => string,
    private readonly tracer: Tracer = trace.getTracer('demo-kafka-producer'),
  ) {}

  readiness(): ReturnType<RecordSink['readiness']> {
    return this.inner.readiness();
  }

  /** Each record with its own span, as a single POST's. */
  writeAll(records: readonly OutgoingRecord[]): Promise<Array<RecordAck | SinkError>> {
    return Promise.all(
      records.map((record) =>
        this.write(record).catch((error: unknown) =>
          error instanceof SinkError ? error : new SinkError('unavailable', String(error)),
        ),
      ),
    );
  }

  write(record: OutgoingRecord): Promise<RecordAck> {
    const topic = this.topic();
    const parent = context.active();
    const span = this.tracer.startSpan(
      `send ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [MESSAGING.system]: KAFKA_SYSTEM,
          [MESSAGING.operationType]: 'send',
          [MESSAGING.operationName]: 'send',
          [MESSAGING.destinationName]: topic,
          [MESSAGING.bodySize]: record.value.length,
          ...(record.key !== undefined ? { [MESSAGING.kafkaKey]: record.key } : {}),
        },
      },
      parent,
    );
    const headers = withTraceContext(record.headers, trace.setSpan(parent, span));
    return this.inner.write({ ...record, headers }).then(
      (ack) => {
        span.setAttributes({
          [MESSAGING.partitionId]: String(ack.partition),
          [MESSAGING.kafkaOffset]: Number(ack.offset),
        });
        span.end();
        return ack;
      },
      (error: unknown) => {
        span.setAttribute(ERROR_TYPE, error instanceof SinkError ? error.kind : 'unknown');
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        span.end();
        throw error;
      },
    );
  }
}
