/**
 * The fan-out baseline, run as its own process: a plain Node SSE server with no Kafka.
 * `POST /messages` writes the body to every `GET /messages` client; `GET /rss` reports memory.
 */
import { createServer, type ServerResponse } from 'node:http';

const clients = new Set<ServerResponse>();
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/messages') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write('retry:2000\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
  } else if (req.method === 'POST' && req.url === '/messages') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const chunk = `data:${Buffer.concat(chunks).toString()}\n\n`;
      for (const client of clients) client.write(chunk);
      res.end('ok');
    });
  } else if (req.url === '/rss') {
    res.end(String(process.memoryUsage().rss));
  } else {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => process.exit(0));
