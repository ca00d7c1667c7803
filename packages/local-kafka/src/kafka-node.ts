import type { ChildProcess } from 'node:child_process';
import {
  logSize,
  startBrokerJvm,
  stopJvm,
  waitForLogLine,
  type JavaLaunch,
} from './broker-process.js';

/** Where one node of a local cluster listens and keeps its files. */
export interface KafkaNodeLayout {
  readonly id: number;
  readonly clientPort: number;
  readonly adminPort: number;
  readonly controllerPort: number;
  /** The mutual-TLS listener (SSL, a client certificate required). */
  readonly mtlsPort: number;
  readonly propertiesFile: string;
  readonly launch: JavaLaunch;
}

/**
 * One broker+controller JVM of a local cluster, which tests can stop (SIGTERM: controlled
 * shutdown), kill (SIGKILL), freeze (SIGSTOP) and thaw (SIGCONT), and start again with its data.
 */
export class KafkaNode {
  #jvm: ChildProcess | undefined;
  #frozen = false;

  constructor(
    private readonly layout: KafkaNodeLayout,
    /** Called when the JVM ends without stop() or kill() asking it to. */
    private readonly onUnexpectedExit: (how: string) => void = () => {},
  ) {}

  /** The node id (`node.id`), as partition metadata names leaders. */
  get id(): number {
    return this.layout.id;
  }

  /** This node's SASL_SSL address. */
  get broker(): string {
    return `127.0.0.1:${this.layout.clientPort}`;
  }

  /** This node's mutual-TLS address. */
  get mtlsBroker(): string {
    return `127.0.0.1:${this.layout.mtlsPort}`;
  }

  /** This node's PLAINTEXT super-user address, for test set-up. */
  get adminBroker(): string {
    return `127.0.0.1:${this.layout.adminPort}`;
  }

  /** The ports clients use (SASL_SSL and mutual TLS), for a test that cuts this node off from them. */
  get clientPorts(): readonly number[] {
    return [this.layout.clientPort, this.layout.mtlsPort];
  }

  /** The ports its peers use (the KRaft controller quorum and the inter-broker PLAINTEXT listener). */
  get peerPorts(): readonly number[] {
    return [this.layout.controllerPort, this.layout.adminPort];
  }

  get logFile(): string {
    return this.layout.launch.logFile;
  }

  /** The JVM's process id while it runs (frozen included). */
  get pid(): number | undefined {
    return this.#jvm?.pid;
  }

  /** Whether the JVM is running (it may be frozen). */
  get running(): boolean {
    return this.#jvm !== undefined;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Starts the JVM (if it is not running) and resolves once it logged that it started. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.#jvm) return;
    const from = logSize(this.logFile);
    const jvm = startBrokerJvm(this.layout.launch, this.layout.propertiesFile);
    this.#jvm = jvm;
    this.#frozen = false;
    jvm.once('exit', (code, signal) => {
      if (this.#jvm !== jvm) return;
      this.#jvm = undefined;
      this.onUnexpectedExit(`${signal ?? `code ${code}`}`);
    });
    await waitForLogLine(jvm, this.logFile, 'Kafka Server started', timeoutMs, from);
  }

  /** SIGTERM: a controlled shutdown that hands leadership over first (SIGKILL after `graceMs`). */
  stop(graceMs = 30_000): Promise<void> {
    return this.#halt('SIGTERM', graceMs);
  }

  /** SIGKILL, as a crash or an OOM kill would. */
  kill(): Promise<void> {
    return this.#halt('SIGKILL', 0);
  }

  /** SIGSTOP: the process hangs with its sockets open, as on a stalled disk or a frozen VM. */
  freeze(): void {
    if (this.#jvm && !this.#frozen) {
      this.#jvm.kill('SIGSTOP');
      this.#frozen = true;
    }
  }

  /** SIGCONT: a frozen node carries on where it stopped. */
  thaw(): void {
    if (this.#jvm && this.#frozen) {
      this.#jvm.kill('SIGCONT');
      this.#frozen = false;
    }
  }

  async #halt(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const running = this.#jvm;
    if (!running) return;
    // A stopped process would hold SIGTERM until it is continued.
    this.thaw();
    this.#jvm = undefined;
    await stopJvm(running, graceMs, signal);
  }
}
