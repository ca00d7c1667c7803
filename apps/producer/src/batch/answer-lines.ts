import { type HttpProblem, recordId } from '@demo-kafka/app-kit';
import type { RecordAck } from '../kafka/record-sink.js';

/** A POST's JSON ack, as the single POST gives it with `Accept: application/json`. */
export function ackJson(ack: RecordAck): object {
  const { topic, partition, offset, timestampMs } = ack;
  return {
    topic,
    partition,
    offset,
    timestamp: new Date(timestampMs).toISOString(),
    id: recordId(partition, offset),
  };
}

/** The ack as its answer line: the same JSON, written without building an object first. */
export function ackLine(ack: RecordAck): string {
  const { topic, partition, offset, timestampMs } = ack;
  // The records of one produce request share their topic and mostly their millisecond: each is
  // formatted once for a run of acks (a profile had a date and a JSON string per ack at 4%).
  if (topic !== lastTopic) {
    lastTopic = topic;
    lastTopicJson = JSON.stringify(topic);
  }
  if (timestampMs !== lastTimestampMs) {
    lastTimestampMs = timestampMs;
    lastIso = new Date(timestampMs).toISOString();
  }
  return `{"topic":${lastTopicJson},"partition":${partition},"offset":"${offset}","timestamp":"${lastIso}","id":"${recordId(partition, offset)}"}\n`;
}
let lastTopic = '';
let lastTopicJson = '""';
let lastTimestampMs = Number.NaN;
let lastIso = '';

/** An answer line for a line that was not written: problem+json's fields and the line number. */
export function problemLine(line: number, problem: HttpProblem): object {
  return {
    line,
    type: 'about:blank',
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
  };
}
