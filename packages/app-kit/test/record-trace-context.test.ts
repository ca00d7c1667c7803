import { propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceContextOf, withTraceContext } from '../src/tracing/record-trace-context.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const OTHER = '00-11111111111111111111111111111111-2222222222222222-01';

describe('trace context in record headers', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  const context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });

  it("replaces the headers' own traceparent and tracestate in a copy, keeping the others in order", () => {
    const shared = Object.freeze({
      a: ['1', '2'],
      traceparent: OTHER,
      Tracestate: 'x=y',
      'content-type': 'text/plain',
    });
    const headers = withTraceContext(shared, context);
    expect(Object.entries(headers)).toEqual([
      ['a', ['1', '2']],
      ['content-type', 'text/plain'],
      ['traceparent', `00-${TRACE_ID}-${SPAN_ID}-01`],
    ]);
    expect(shared.traceparent).toBe(OTHER);
  });

  it('gives a record without headers just the trace context', () => {
    expect({ ...withTraceContext(undefined, context) }).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
  });

  it('reads the trace context back from the headers, in any case, the first of a repeated one', () => {
    const read = traceContextOf({ TraceParent: [`00-${TRACE_ID}-${SPAN_ID}-01`, OTHER] });
    expect(trace.getSpanContext(read)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      isRemote: true,
    });
  });

  it('is the root context for headers without one', () => {
    expect(trace.getSpanContext(traceContextOf({ a: ['1'] }))).toBeUndefined();
    expect(traceContextOf(undefined)).toBe(ROOT_CONTEXT);
  });
});
