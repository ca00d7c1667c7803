import { EventEmitter } from 'node:events';
import { createLogger } from '@demo-kafka/app-kit';
import { AggregatorRegistry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A node:cluster worker as the primary sees it: an id, a process to signal, an IPC channel. */
class FakeWorker extends EventEmitter {
  connected = true;
  readonly sent: unknown[] = [];
  readonly signals: string[] = [];
  readonly process: { pid: number; kill(signal: string): void };

  constructor(readonly id: number) {
    super();
    this.process = { pid: 1000 + id, kill: (signal) => this.signals.push(signal) };
  }

  isConnected(): boolean {
    return this.connected;
  }

  send(message: unknown): void {
    // What node does on a closed channel: an 'error' event, fatal without a listener.
    if (!this.connected) throw new Error('ERR_IPC_CHANNEL_CLOSED');
    this.sent.push(message);
  }
}

const fake = vi.hoisted(() => ({
  cluster: undefined as unknown as EventEmitter & {
    workers: Record<number, unknown>;
    fork(): unknown;
  },
}));

vi.mock('node:cluster', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  let nextId = 0;
  const cluster = Object.assign(new Emitter(), {
    workers: {} as Record<number, unknown>,
    fork(): unknown {
      const worker = new FakeWorker(++nextId);
      cluster.workers[worker.id] = worker;
      return worker;
    },
  });
  fake.cluster = cluster;
  return { default: cluster };
});

const { runPrimary } = await import('../src/cluster/run-primary.js');

/** Node's order when a worker's process exits before its IPC channel closed: 'exit' while cluster.workers still holds it. */
function exitBeforeDisconnect(
  worker: FakeWorker,
  code: number | null,
  signal: string | null,
): void {
  worker.connected = false;
  fake.cluster.emit('exit', worker, code, signal);
}

describe('runPrimary', () => {
  let exit: ReturnType<typeof vi.spyOn>;
  let signalListeners: { SIGTERM: NodeJS.SignalsListener[]; SIGINT: NodeJS.SignalsListener[] };

  beforeEach(() => {
    fake.cluster.removeAllListeners();
    fake.cluster.workers = {};
    signalListeners = {
      SIGTERM: process.listeners('SIGTERM'),
      SIGINT: process.listeners('SIGINT'),
    };
    exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  });

  afterEach(() => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal))
        if (!signalListeners[signal].includes(listener)) process.off(signal, listener);
    }
    exit.mockRestore();
  });

  const start = (): FakeWorker[] => {
    runPrimary({
      workers: 2,
      logger: createLogger('test', 'silent'),
      port: 0,
      host: '127.0.0.1',
      scheme: 'http',
    });
    return Object.values(fake.cluster.workers) as FakeWorker[];
  };
  const sigterm = (): void => {
    const added = process.listeners('SIGTERM').filter((l) => !signalListeners.SIGTERM.includes(l));
    for (const listener of added) (listener as (signal: string) => void)('SIGTERM');
  };

  it('exits once the last worker has exited, even before cluster.workers forgets it', () => {
    const workers = start();
    sigterm();
    expect(workers.map((w) => w.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    exitBeforeDisconnect(workers[0] as FakeWorker, 0, null);
    expect(exit).not.toHaveBeenCalled();
    exitBeforeDisconnect(workers[1] as FakeWorker, 0, null);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('counts a worker killed by its SIGTERM while still starting as a clean stop', () => {
    const workers = start();
    sigterm();
    exitBeforeDisconnect(workers[0] as FakeWorker, 0, null);
    exitBeforeDisconnect(workers[1] as FakeWorker, null, 'SIGTERM');
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('still reports a worker that failed during shutdown', () => {
    const workers = start();
    sigterm();
    exitBeforeDisconnect(workers[0] as FakeWorker, 1, null);
    exitBeforeDisconnect(workers[1] as FakeWorker, null, 'SIGKILL');
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('sends nothing to a worker whose channel closed when readiness changes', () => {
    const workers = start();
    const [dead, live] = workers as [FakeWorker, FakeWorker];
    dead.connected = false; // dying: the channel is gone, the exit not seen yet
    expect(() =>
      live.emit('message', { type: 'producer:readiness', state: { ready: true } }),
    ).not.toThrow();
    expect(live.sent).toContainEqual({
      type: 'producer:readiness',
      state: { ready: false, reason: '1 of 2 workers ready' },
    });
    expect(dead.sent).toEqual([]);
  });

  it('tells the asking worker at once when the metrics could not be gathered', async () => {
    const gather = vi
      .spyOn(AggregatorRegistry.prototype, 'clusterMetrics')
      .mockRejectedValue(new Error('Operation timed out.'));
    try {
      const [asking] = start() as [FakeWorker];
      asking.emit('message', { type: 'producer:metrics-request', id: 7 });
      await vi.waitFor(() =>
        expect(asking.sent).toContainEqual({
          type: 'producer:metrics-failed',
          id: 7,
          reason: 'Operation timed out.',
        }),
      );
    } finally {
      gather.mockRestore();
    }
  });
});
