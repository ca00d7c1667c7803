import { Agent, request } from 'node:http';

/** A lightweight SSE reader for load: calls `onData` with each event's data, nothing else kept. */
export interface Listener {
  close(): void;
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

/** Opens `GET url` as an event stream; resolves once the response head arrived. */
export function listen(url: string, onData: (data: string) => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let rest = '';
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('data:')) onData(line.slice(5).trimStart());
      });
      res.on('error', () => {});
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
