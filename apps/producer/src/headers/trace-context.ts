import { TRACEPARENT_PATTERN } from '@demo-kafka/app-kit';

const W3C_TRACEPARENT = new RegExp(TRACEPARENT_PATTERN);

/** Whether `value` is a traceparent a tracer can continue: W3C version 00, ids not all zeros. */
export function isW3cTraceparent(value: string): boolean {
  return W3C_TRACEPARENT.test(value);
}
