import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { freePorts } from '@demo-kafka/local-kafka';

it('freePorts gives different ports, each free to listen on once it returns', async () => {
  const ports = await freePorts(16);
  expect(new Set(ports).size).toBe(16);
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
});
