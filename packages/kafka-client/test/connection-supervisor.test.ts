import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Readiness } from '@demo-kafka/app-kit';
import {
  ConnectionSupervisor,
  type SupervisorOptions,
} from '../src/connection/connection-supervisor.js';
import { createLogger } from '@demo-kafka/app-kit';

const REFUSED = 'Connection error: connect ECONNREFUSED 127.0.0.1:9092';
const { KafkaJSConnectionError } = kafkajs;
// kafkajs' typings give this constructor no arguments; it takes the message.
const { KafkaJSSASLAuthenticationError } = kafkajs as unknown as {
  KafkaJSSASLAuthenticationError: new (message: string) => Error;
};
/** A refused connection as kafkajs reports it. */
const refused = (): Error =>
  new KafkaJSConnectionError(REFUSED, { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });
const AUTH =
  'Kafka rejected the credentials (authentication failed): check the binding username, password and sasl.mechanism';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly reason?: string;
}

/** A probe scripted call by call: `fail` holds the errors of the first calls, then it passes. */
function scriptedProbe(fail: Error[] = []) {
  const seen: Readiness[] = [];
  let calls = 0;
  let supervisor: ConnectionSupervisor | undefined;
  const probe = async (): Promise<void> => {
    calls += 1;
    // What readiness said while this probe ran: the state the previous attempt left.
    if (supervisor) seen.push(supervisor.readiness());
    const error = fail.shift();
    if (error) throw error;
  };
  return {
    probe,
    seen,
    get calls() {
      return calls;
    },
    attach(s: ConnectionSupervisor) {
      supervisor = s;
    },
  };
}

const supervisors: ConnectionSupervisor[] = [];

function supervise(
  options: Omit<SupervisorOptions, 'logger'>,
  logs: LogLine[] = [],
): ConnectionSupervisor {
  const logger = createLogger('t', 'info', {
    write: (line: string) => void logs.push(JSON.parse(line) as LogLine),
  });
  const supervisor = new ConnectionSupervisor({ ...options, logger });
  supervisors.push(supervisor);
  return supervisor;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

describe('ConnectionSupervisor', () => {
  it('while ready, confirms a retriable probe failure with a second probe before turning not ready', async () => {
    const outcomes: Array<Error | undefined> = [
      undefined,
      refused(),
      undefined,
      refused(),
      refused(),
    ];
    let calls = 0;
    const probe = async (): Promise<void> => {
      const outcome = outcomes[calls++];
      if (outcome) throw outcome;
    };
    const logs: LogLine[] = [];
    const supervisor = supervise(
      { probe, minBackoffMs: 5, maxBackoffMs: 20, healthyIntervalMs: 20 },
      logs,
    );
    supervisor.start();
    // One failure between passes: still ready throughout. Two in a row: not ready.
    await vi.waitFor(() =>
      expect(logs.map((l) => [l.msg, l.reason])).toEqual([
        ['Kafka is ready', undefined],
        ['Kafka is not ready', 'Kafka is not reachable'],
        ['Kafka is ready', undefined],
      ]),
    );
    // Healthy passes go on every 20 ms, so a loaded machine may have probed again by now.
    expect(calls).toBeGreaterThanOrEqual(6);
  });

  it('turns not ready, saying why, while a probe hangs past probeTimeoutMs, and ready once it passes', async () => {
    let pass: () => void = () => {};
    let calls = 0;
    const probe = (): Promise<void> => {
      calls += 1;
      return calls === 1 ? Promise.resolve() : new Promise<void>((resolve) => (pass = resolve));
    };
    const supervisor = supervise({ probe, probeTimeoutMs: 300, healthyIntervalMs: 60_000 });
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
    // A write that timed out asks for a probe without turning readiness off by itself.
    supervisor.probeSoon();
    await vi.waitFor(() => expect(calls).toBe(2), { interval: 5 });
    expect(supervisor.readiness()).toEqual({ ready: true });
    await vi.waitFor(
      () =>
        expect(supervisor.readiness()).toEqual({
          ready: false,
          reason: 'Kafka did not answer in time (no answer within 300 ms)',
        }),
      { timeout: 2_000 },
    );
    pass();
    await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
    expect(calls).toBe(2);
  });

  it('is not ready before the first probe passes', async () => {
    let pass: () => void = () => {};
    const probe = vi.fn(() => new Promise<void>((resolve) => (pass = resolve)));
    const supervisor = supervise({ probe, healthyIntervalMs: 60_000 });
    expect(supervisor.readiness()).toEqual({ ready: false, reason: 'connecting to Kafka' });
    expect(probe).not.toHaveBeenCalled();
    supervisor.start();
    expect(probe).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(supervisor.readiness()).toEqual({ ready: false, reason: 'connecting to Kafka' });
    pass();
    await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
  });

  it('backs off while the probe fails, with the reason, and becomes ready when it passes', async () => {
    const script = scriptedProbe([refused(), refused(), refused()]);
    const logs: LogLine[] = [];
    const supervisor = supervise(
      { probe: script.probe, minBackoffMs: 5, maxBackoffMs: 20, healthyIntervalMs: 60_000 },
      logs,
    );
    script.attach(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
    expect(script.calls).toBe(4);
    expect(script.seen).toEqual([
      { ready: false, reason: 'connecting to Kafka' },
      { ready: false, reason: 'Kafka is not reachable' },
      { ready: false, reason: 'Kafka is not reachable' },
      { ready: false, reason: 'Kafka is not reachable' },
    ]);
    // One line per change of state, not one per failed attempt.
    expect(logs.map((l) => [l.msg, l.reason])).toEqual([
      ['Kafka is not ready', 'Kafka is not reachable'],
      ['Kafka is ready', undefined],
    ]);
  });

  it('logs a retriable failure of its start-up at info, and a refusal, a late start or a lost connection at warn', async () => {
    const levels = async (
      fail: Error[],
      options: Partial<SupervisorOptions>,
      lose = false,
    ): Promise<Array<[number, string]>> => {
      const script = scriptedProbe(fail);
      const logs: LogLine[] = [];
      const supervisor = supervise(
        {
          probe: script.probe,
          minBackoffMs: 5,
          maxBackoffMs: 20,
          healthyIntervalMs: 60_000,
          ...options,
        },
        logs,
      );
      supervisor.start();
      await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
      if (lose) {
        supervisor.reportFailure(refused());
        await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
      }
      return logs.map((l) => [l.level, l.msg]);
    };
    const [INFO, WARN] = [30, 40];
    expect(await levels([refused(), refused()], {})).toEqual([
      [INFO, 'Kafka is not ready'],
      [INFO, 'Kafka is ready'],
    ]);
    expect(
      await levels(
        [new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed')],
        {},
      ),
    ).toEqual([
      [WARN, 'Kafka is not ready'],
      [INFO, 'Kafka is ready'],
    ]);
    expect(await levels([refused()], { startupGraceMs: 0 })).toEqual([
      [WARN, 'Kafka is not ready'],
      [INFO, 'Kafka is ready'],
    ]);
    expect(await levels([], {}, true)).toEqual([
      [INFO, 'Kafka is ready'],
      [WARN, 'Kafka is not ready'],
      [INFO, 'Kafka is ready'],
    ]);
  });

  it('doubles the wait after each failure up to maxBackoffMs, and starts over after a success', async () => {
    vi.useFakeTimers();
    const script = scriptedProbe(Array.from({ length: 5 }, () => refused()));
    const supervisor = supervise({
      probe: script.probe,
      minBackoffMs: 100,
      maxBackoffMs: 400,
      healthyIntervalMs: 10_000,
    });
    supervisor.start();
    await vi.advanceTimersByTimeAsync(0);
    const callsAt = async (ms: number): Promise<number> => {
      await vi.advanceTimersByTimeAsync(ms);
      return script.calls;
    };
    expect(script.calls).toBe(1);
    // Waits: 100, 200, 400, 400 (capped), then the 5th failure waits 400 before the passing probe.
    expect([await callsAt(99), await callsAt(1)]).toEqual([1, 2]);
    expect([await callsAt(199), await callsAt(1)]).toEqual([2, 3]);
    expect([await callsAt(399), await callsAt(1)]).toEqual([3, 4]);
    expect([await callsAt(399), await callsAt(1)]).toEqual([4, 5]);
    expect([await callsAt(399), await callsAt(1)]).toEqual([5, 6]);
    expect(supervisor.readiness()).toEqual({ ready: true });
    expect([await callsAt(9_999), await callsAt(1)]).toEqual([6, 7]);
  });

  it('on reportFailure turns not ready with the reason and probes again at once', async () => {
    const script = scriptedProbe();
    const logs: LogLine[] = [];
    const supervisor = supervise(
      { probe: script.probe, minBackoffMs: 5, maxBackoffMs: 20, healthyIntervalMs: 60_000 },
      logs,
    );
    script.attach(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.readiness().ready).toBe(true));
    expect(script.calls).toBe(1);

    supervisor.reportFailure(
      new KafkaJSSASLAuthenticationError(
        'SASL SCRAM SHA512 authentication failed: Authentication failed due to invalid credentials',
      ),
    );
    expect(supervisor.readiness()).toEqual({ ready: false, reason: AUTH });
    // Far sooner than the 60 s healthy interval.
    await vi.waitFor(() => expect(script.calls).toBe(2), { timeout: 500 });
    expect(script.seen).toEqual([
      { ready: false, reason: 'connecting to Kafka' },
      { ready: false, reason: AUTH },
    ]);
    await vi.waitFor(() => expect(supervisor.readiness()).toEqual({ ready: true }));
    expect(logs.map((l) => l.msg)).toEqual([
      'Kafka is ready',
      'Kafka is not ready',
      'Kafka is ready',
    ]);
  });

  it('on recheck turns not ready with the given reason and probes again at once', async () => {
    const script = scriptedProbe();
    const supervisor = supervise({ probe: script.probe, healthyIntervalMs: 60_000 });
    script.attach(supervisor);
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.readiness().ready).toBe(true));
    supervisor.recheck('reconnecting with new credentials');
    expect(supervisor.readiness()).toEqual({
      ready: false,
      reason: 'reconnecting with new credentials',
    });
    await vi.waitFor(() => expect(script.calls).toBe(2), { timeout: 500 });
    await vi.waitFor(() => expect(supervisor.readiness().ready).toBe(true));
  });

  it('runs one loop however often start() is called', async () => {
    const script = scriptedProbe();
    const supervisor = supervise({ probe: script.probe, healthyIntervalMs: 60_000 });
    supervisor.start();
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.readiness().ready).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    supervisor.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(script.calls).toBe(1);
  });

  it('stop() ends a failing loop: the probe is not called again', async () => {
    const script = scriptedProbe(Array.from({ length: 1_000 }, () => refused()));
    const supervisor = supervise({ probe: script.probe, minBackoffMs: 5, maxBackoffMs: 5 });
    supervisor.start();
    await vi.waitFor(() => expect(script.calls).toBeGreaterThanOrEqual(3));
    await supervisor.stop();
    const after = script.calls;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(script.calls).toBe(after);
  });

  it('stop() wakes a loop sleeping out the healthy interval instead of waiting for it', async () => {
    const script = scriptedProbe();
    const supervisor = supervise({ probe: script.probe, healthyIntervalMs: 60_000 });
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.readiness().ready).toBe(true));
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(script.calls).toBe(1);
  });

  // With a probe in flight there is no sleep to wake: the loop must notice the stop as soon as
  // the probe settles, not after another healthy interval or backoff.
  it('stop() during a probe in flight resolves as soon as that probe settles', async () => {
    let settle: () => void = () => {};
    const supervisor = supervise({
      probe: () =>
        new Promise<void>((resolve) => {
          settle = resolve;
        }),
      healthyIntervalMs: 3_000,
    });
    supervisor.start();
    const stopped = supervisor.stop();
    settle();
    const outcome = await Promise.race([
      stopped.then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still running'), 500)),
    ]);
    expect(outcome).toBe('stopped');
  });
});
