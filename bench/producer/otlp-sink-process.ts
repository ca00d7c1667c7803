/**
 * A local OTLP/HTTP receiver for the tracing bench, in a process of its own (as a collector would
 * be): accepts every export, protobuf or JSON, and answers at once. `GET /stats` gives what it got.
 */
import { createServer } from 'node:http';

const stats = { requests: 0, bytes: 0 };
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/v1/traces') {
    res.writeHead(404).end();
    return;
  }
  req.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
  req.on('end', () => {
    stats.requests++;
    // An empty ExportTraceServiceResponse, in the request's own encoding.
    const json = req.headers['content-type']?.startsWith('application/json') ?? false;
    res
      .writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' })
      .end(json ? '{}' : '');
  });
});
server.listen(Number(process.env.PORT ?? 4318), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
