import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { LocalKafkaError } from './errors.js';

/** JVM settings that keep one broker light on a 2-core machine. */
const JVM_OPTIONS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-Djava.awt.headless=true',
];

/** How to run a Kafka main class with the cached jars. */
export interface JavaLaunch {
  readonly classpath: string;
  readonly log4jConfig: string;
  readonly logFile: string;
  /** JVM options after the defaults (a later -Xmx wins): a cluster node runs smaller. */
  readonly jvmOptions?: readonly string[];
}

/** Runs a short-lived Kafka tool (such as StorageTool) to completion; its output goes to the log. */
export async function runKafkaTool(
  launch: JavaLaunch,
  mainClass: string,
  args: readonly string[],
): Promise<void> {
  const child = startJava(launch, mainClass, args);
  const from = logSize(launch.logFile);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0)
    throw new LocalKafkaError(
      `${mainClass} exited with ${code}: ${tail(launch.logFile, from)}`,
      launch.logFile,
    );
}

/**
 * Starts the broker JVM with a watchdog that kills it if this Node process dies without
 * stopping it (a crashed or SIGKILLed test run must not leave a JVM behind).
 */
export function startBrokerJvm(launch: JavaLaunch, propertiesFile: string): ChildProcess {
  const child = startJava(launch, 'kafka.Kafka', [propertiesFile]);
  if (child.pid !== undefined) {
    const watchdog = spawn(
      'sh',
      [
        '-c',
        `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep ` +
          `1; done; kill -9 ${child.pid} 2>/dev/null`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  }
  return child;
}

function startJava(launch: JavaLaunch, mainClass: string, args: readonly string[]): ChildProcess {
  const out = openSync(launch.logFile, 'a');
  try {
    return spawn(
      'java',
      [
        ...JVM_OPTIONS,
        ...(launch.jvmOptions ?? []),
        `-Dlog4j2.configurationFile=${launch.log4jConfig}`,
        '-cp',
        launch.classpath,
        mainClass,
        ...args,
      ],
      {
        stdio: ['ignore', out, out],
      },
    );
  } finally {
    closeSync(out);
  }
}

/** The log's size now: what a new boot writes comes after it (the log is appended to across restarts). */
export function logSize(logFile: string): number {
  return existsSync(logFile) ? statSync(logFile).size : 0;
}

/**
 * Resolves when `line` appears in the log after byte `from` (this boot's part); rejects if the
 * process exits or time runs out.
 */
export function waitForLogLine(
  child: ChildProcess,
  logFile: string,
  line: string,
  timeoutMs: number,
  from = 0,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearInterval(poll);
      reject(
        new LocalKafkaError(
          `the broker exited (${signal ?? `code ${code}`}) before it was ready: ${tail(logFile, from)}`,
          logFile,
        ),
      );
    };
    const poll = setInterval(() => {
      if (
        existsSync(logFile) &&
        readFileSync(logFile).subarray(from).toString('utf8').includes(line)
      ) {
        clearInterval(poll);
        child.off('exit', onExit);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        child.off('exit', onExit);
        reject(
          new LocalKafkaError(
            `the broker did not log "${line}" within ${timeoutMs} ms: ${tail(logFile, from)}`,
            logFile,
          ),
        );
      }
    }, 100);
    child.once('exit', onExit);
  });
}

/** Stops the JVM: SIGTERM for a clean shutdown, SIGKILL if it takes longer than `graceMs`. */
export async function stopJvm(
  child: ChildProcess,
  graceMs = 15_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The last error-looking lines the log got after byte `from`, for messages. */
function tail(logFile: string, from: number): string {
  if (!existsSync(logFile)) return 'no log written';
  const lines = readFileSync(logFile).subarray(from).toString('utf8').trimEnd().split('\n');
  const errors = lines.filter((l) => /ERROR|Exception|error:/i.test(l));
  return (errors.length > 0 ? errors.slice(-3) : lines.slice(-3)).join(' | ').slice(0, 1500);
}
