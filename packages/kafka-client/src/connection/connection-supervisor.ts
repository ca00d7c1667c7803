import type { Logger, Readiness } from '@demo-kafka/app-kit';
import { classifyKafkaError } from '../errors/classify-kafka-error.js';
import { describeKafkaError } from '../errors/describe-kafka-error.js';

const SLOW_PROBE = 'Kafka did not answer in time';

export interface SupervisorOptions {
  /** Connects if needed and checks that the topic is usable; throws when it is not. */
  readonly probe: () => Promise<void>;
  readonly logger: Logger;
  /** Wait after the first failure; doubles up to `maxBackoffMs`. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How often a healthy connection is probed again. */
  readonly healthyIntervalMs?: number;
  /**
   * A probe still running after this long turns readiness off (a frozen broker answers nothing
   * and kafkajs waits out its own timeouts and retries); the probe is still awaited.
   */
  readonly probeTimeoutMs?: number;
  /**
   * Until the first pass, and for this long after start(), a failure that trying again can mend
   * (a broker still starting, a coordinator still loading) is logged at info, not warn: it is how
   * every start against a fresh Kafka goes. A refusal, or a start that takes longer, warns.
   */
  readonly startupGraceMs?: number;
}

/**
 * Keeps a Kafka connection usable in the background: probes it, backs off while Kafka is away
 * or refuses us, and reports readiness with a reason that holds no secret. The app serves
 * HTTP from the start; it is ready when the probe passes.
 */
export class ConnectionSupervisor {
  #state: Readiness = { ready: false, reason: 'connecting to Kafka' };
  #stopped = false;
  #wake: (() => void) | undefined;
  /** Set when asked to probe again while a probe was running: the next sleep is skipped. */
  #again = false;
  #loop: Promise<void> | undefined;
  #startedAt = 0;
  #everReady = false;

  constructor(private readonly options: SupervisorOptions) {}

  /** Starts probing in the background. */
  start(): void {
    if (this.#loop) return;
    this.#startedAt = performance.now();
    this.#loop = this.#run();
  }

  readiness(): Readiness {
    return this.#state;
  }

  /** A send or fetch failed: mark not ready (with why) and probe again at once. */
  reportFailure(error: unknown): void {
    this.#set(
      { ready: false, reason: describeKafkaError(error) },
      classifyKafkaError(error).retriable,
    );
    this.#probeAgain();
  }

  /** Probe again now (after a reconnect with new credentials, say). */
  recheck(reason: string): void {
    this.#set({ ready: false, reason });
    this.#probeAgain();
  }

  /** Something looked wrong (a write timed out): probe now, and stay ready unless the probe fails. */
  probeSoon(): void {
    this.#probeAgain();
  }

  #probeAgain(): void {
    this.#again = true;
    this.#wake?.();
  }

  /**
   * Stops probing; resolves when the loop has ended, or after `graceMs` if a probe is still
   * connecting (closing the clients then makes it fail fast).
   */
  async stop(graceMs = 1_000): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#loop,
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }

  async #run(): Promise<void> {
    const {
      minBackoffMs = 250,
      maxBackoffMs = 4_000,
      healthyIntervalMs = 10_000,
      probeTimeoutMs = 5_000,
    } = this.options;
    let failures = 0;
    let confirming = false;
    while (!this.#stopped) {
      this.#again = false;
      const slow = setTimeout(
        () =>
          this.#set(
            { ready: false, reason: `${SLOW_PROBE} (no answer within ${probeTimeoutMs} ms)` },
            true,
          ),
        probeTimeoutMs,
      );
      try {
        await this.options.probe().finally(() => clearTimeout(slow));
        if (this.#stopped) break;
        failures = 0;
        confirming = false;
        // A failure reported while this probe ran is newer news than the probe's success.
        if (!this.#again) this.#set({ ready: true });
        await this.#sleep(healthyIntervalMs);
      } catch (error) {
        if (this.#stopped) break;
        // While ready, one retriable failure is confirmed by probing again at once before readiness
        // turns off: on a cluster, a probe that met the broker being restarted says little, and
        // while not ready every write is refused.
        if (this.#state.ready && !confirming && classifyKafkaError(error).retriable) {
          confirming = true;
          continue;
        }
        confirming = false;
        failures += 1;
        this.#set(
          { ready: false, reason: describeKafkaError(error) },
          classifyKafkaError(error).retriable,
        );
        await this.#sleep(Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  /** `retriable`: trying again can mend what made it not ready (see startupGraceMs). */
  #set(next: Readiness, retriable = false): void {
    const previous = this.#state;
    this.#state = next;
    if (previous.ready !== next.ready || previous.reason !== next.reason) {
      if (next.ready) this.options.logger.info('Kafka is ready');
      else if (retriable && this.#startingUp())
        this.options.logger.info({ reason: next.reason }, 'Kafka is not ready');
      else this.options.logger.warn({ reason: next.reason }, 'Kafka is not ready');
    }
    if (next.ready) this.#everReady = true;
  }

  #startingUp(): boolean {
    return (
      !this.#everReady &&
      performance.now() - this.#startedAt < (this.options.startupGraceMs ?? 30_000)
    );
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped || this.#again) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
