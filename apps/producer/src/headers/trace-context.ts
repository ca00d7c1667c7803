/**
 * A W3C trace context `traceparent` of version 00, the one version defined: trace id and parent
 * id in lower-case hex, neither all zeros (the spec calls those invalid), then the flags. As an
 * ECMAScript pattern, for the API documents too.
 */
export const W3C_TRACEPARENT_PATTERN =
  '^00-(?!0{32}-)[0-9a-f]{32}-(?!0{16}-)[0-9a-f]{16}-[0-9a-f]{2}$';
const W3C_TRACEPARENT = new RegExp(W3C_TRACEPARENT_PATTERN);

/** Whether `value` is a traceparent a tracer can continue (see {@link W3C_TRACEPARENT_PATTERN}). */
export function isW3cTraceparent(value: string): boolean {
  return W3C_TRACEPARENT.test(value);
}
