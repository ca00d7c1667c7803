import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** An OTLP/JSON attribute value (the variants the apps send). */
interface AnyValue {
  readonly stringValue?: string;
  readonly intValue?: number | string;
  readonly boolValue?: boolean;
  readonly doubleValue?: number;
}
interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes?: readonly KeyValue[];
  readonly events?: ReadonlyArray<{
    readonly name: string;
    readonly attributes?: readonly KeyValue[];
  }>;
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>;
  readonly status?: { readonly code?: number };
}
interface ExportRequest {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: readonly KeyValue[] };
    readonly scopeSpans?: ReadonlyArray<{ readonly spans?: readonly OtlpSpan[] }>;
  }>;
}

/** OTLP span kinds (the wire enum). */
export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** A received span, flattened: its service and attributes as plain values. */
export interface ReceivedSpan {
  readonly service: string;
  /** `process.pid` of the resource: which process exported it. */
  readonly pid: number | undefined;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>;
}

/** An OTLP/HTTP receiver with JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), as a collector's. */
export interface OtlpReceiver {
  /** What to give `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporter appends `/v1/traces`). */
  readonly endpoint: string;
  spans(): readonly ReceivedSpan[];
  /** Export requests answered, and those that were not OTLP JSON traces (none expected). */
  readonly requests: { ok: number; bad: number };
  close(): Promise<void>;
}

const plain = (value: AnyValue): string | number | boolean =>
  value.stringValue ??
  (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
  value.boolValue ??
  value.doubleValue ??
  '';

const attributesOf = (
  list: readonly KeyValue[] | undefined,
): Record<string, string | number | boolean> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));

/** Starts a receiver on a free loopback port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const requests = { ok: 0, bad: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: ExportRequest;
      try {
        if (
          req.method !== 'POST' ||
          req.url !== '/v1/traces' ||
          !req.headers['content-type']?.startsWith('application/json')
        )
          throw new Error('not OTLP/JSON traces');
        const raw = Buffer.concat(chunks);
        body = JSON.parse(
          (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
        ) as ExportRequest;
      } catch {
        requests.bad++;
        res.writeHead(400).end();
        return;
      }
      for (const resourceSpans of body.resourceSpans ?? []) {
        const resource = attributesOf(resourceSpans.resource?.attributes);
        const service = String(resource['service.name'] ?? '');
        const pid =
          typeof resource['process.pid'] === 'number' ? resource['process.pid'] : undefined;
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            received.push({
              service,
              pid,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
              links: span.links ?? [],
            });
          }
        }
      }
      requests.ok++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => received,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
