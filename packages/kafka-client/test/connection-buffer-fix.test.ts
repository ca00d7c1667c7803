import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import '../src/kafkajs.js';

// A kafkajs Connection against a local TCP server that frames answers as Kafka does: what is
// tested is kafkajs' reading of its socket across a reconnect, not Kafka (the Kafka tests and
// the fault campaign use real brokers).
const require = createRequire(import.meta.url);

interface KafkaConnection {
  connect(): Promise<boolean>;
  disconnect(): Promise<boolean>;
  isConnected(): boolean;
  send(request: object): Promise<{ errorCode: number }>;
}
const Connection = require('kafkajs/src/network/connection.js') as new (
  options: object,
) => KafkaConnection;
const socketFactory = (require('kafkajs/src/network/socketFactory.js') as () => unknown)();
const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js') as {
  createLogger(options: object): unknown;
  LEVELS: { NOTHING: number };
};
const ApiVersions = require('kafkajs/src/protocol/requests/apiVersions/index.js') as {
  protocol(options: { version: number }): () => object;
};

/** An ApiVersions v0 answer with no error and no versions, for the request of `correlationId`. */
function apiVersionsAnswer(correlationId: number): Buffer {
  const frame = Buffer.alloc(4 + 4 + 2 + 4);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt32BE(correlationId, 4);
  frame.writeInt16BE(0, 8);
  frame.writeInt32BE(0, 10);
  return frame;
}

/** The correlation id of the first request in `data` (size, api key, api version, correlation id). */
const correlationIdOf = (data: Buffer): number => data.readInt32BE(8);

let server: Server | undefined;
afterEach(() => server?.close());

describe('kafkajs Connection: a reconnect after a connection dropped in the middle of an answer', () => {
  it("reads the new connection's answers, not the rest of the lost one", async () => {
    let connections = 0;
    server = createServer((socket: Socket) => {
      const first = connections++ === 0;
      socket.on('data', (data: Buffer) => {
        if (first) {
          // The start of an answer of 100 bytes, then the connection is lost.
          const partial = Buffer.alloc(4 + 6);
          partial.writeInt32BE(100, 0);
          partial.writeInt32BE(correlationIdOf(data), 4);
          socket.end(partial);
        } else {
          socket.write(apiVersionsAnswer(correlationIdOf(data)));
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const connection = new Connection({
      host: '127.0.0.1',
      port,
      logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
      socketFactory,
      requestTimeout: 1_000,
      connectionTimeout: 1_000,
    });
    const request = (): Promise<{ errorCode: number }> =>
      connection.send(ApiVersions.protocol({ version: 0 })());

    await connection.connect();
    await expect(request()).rejects.toThrow();
    while (connection.isConnected()) await new Promise((resolve) => setTimeout(resolve, 10));

    await connection.connect();
    try {
      await expect(request()).resolves.toMatchObject({ errorCode: 0 });
    } finally {
      await connection.disconnect();
    }
  });
});
