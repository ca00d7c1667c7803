/**
 * `npm run demo [-- --brokers 3]`: a real Kafka broker (packages/local-kafka), or a cluster of
 * three, the producer on 30776 and the consumer on 31876, as the walkthrough's NodePorts.
 * Ctrl-C, SIGTERM, SIGHUP or the end of its parent (npm) stops all of it.
 * Ports: PRODUCER_PORT and CONSUMER_PORT; app log level: LOG_LEVEL (default warn).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BINDING_KEYS, CA_FILE_ENV, SOURCE_ENV } from '@demo-kafka/config';
import { exitWithParent, nodesOf, startLocalKafkaOrCluster, type LocalKafka } from '@demo-kafka/local-kafka';
import { NODE_PORTS } from '../k8s/node-ports.js';
import { sourceProcessArgs } from './source-process.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const producerPort = Number(process.env.PRODUCER_PORT ?? NODE_PORTS.producer);
const consumerPort = Number(process.env.CONSUMER_PORT ?? NODE_PORTS.consumer);
const say = (line: string): void => console.log(`[demo] ${line}`);
const { values: args } = parseArgs({ options: { brokers: { type: 'string', default: '1' } } });
const brokers = Number(args.brokers);
if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
  console.error(`[demo] --brokers takes a whole number from 1 to 9, not "${args.brokers}"`);
  process.exit(2);
}

let kafka: LocalKafka | undefined;
const apps: ChildProcess[] = [];
let stopping: Promise<void> | undefined;

/** Stops the apps, then Kafka, then exits; every caller waits for the one stop in progress. */
async function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    say('stopping ...');
    await Promise.all(
      apps.map(
        (app) =>
          new Promise<void>((resolve) => {
            if (app.exitCode !== null || app.signalCode !== null) return resolve();
            app.once('exit', () => resolve());
            app.kill('SIGTERM');
            setTimeout(() => app.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await kafka?.stop();
    say('stopped');
  })();
  await stopping;
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGHUP', () => void stopAll(0));
// A signal to npm alone (a supervisor, `kill <pid>`) may end npm without reaching this process.
exitWithParent(() => void stopAll(0));

function startApp(name: 'producer' | 'consumer', port: number, bindingDir: string): ChildProcess {
  const child = spawn(process.execPath, sourceProcessArgs(`apps/${name}/src/main.ts`), {
    cwd: repo,
    env: { ...withoutBindingVariables(process.env), KAFKA_BINDING_DIR: bindingDir, PORT: String(port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (chunk: Buffer): string => chunk.toString().replace(/^(?=.)/gm, `[${name}] `);
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the demo`);
      void stopAll(1);
    }
  });
  apps.push(child);
  return child;
}

/**
 * The shell's environment minus every variable that could point the apps at another Kafka: a
 * KAFKA_* binding variable would override the local broker's binding key by key.
 */
function withoutBindingVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = new Set<string>([...BINDING_KEYS.map((key) => key.env), CA_FILE_ENV, ...Object.values(SOURCE_ENV)]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name)));
}

async function waitReady(name: string, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return;
      last = ((await res.json()) as { reason?: string }).reason ?? '';
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} on port ${port} was not ready within 60 s: ${last}`);
}

try {
  kafka = await startLocalKafkaOrCluster({
    brokers,
    log: say,
    onUnexpectedExit: (node, how) => say(brokers === 1 ? `Kafka exited by itself (${how})` : `Kafka node ${node} exited (${how}); the cluster carries on`),
  });
  startApp('producer', producerPort, kafka.bindingDir);
  startApp('consumer', consumerPort, kafka.bindingDir);
  await Promise.all([waitReady('producer', producerPort), waitReady('consumer', consumerPort)]);
  console.log(`
Kafka ${kafka.brokers.join(',')} (SASL_SSL, SCRAM-SHA-256, topic ${kafka.user.topicPrefix}default) and both apps are running.
${nodesOf(kafka).map((node) => `  Kafka node ${node.id}: JVM pid ${node.pid} (kill -STOP / -CONT to freeze it, kill -9 to lose it)\n`).join('')}
  curl localhost:${producerPort}/messages -d Hello      # write a message
  curl localhost:${consumerPort}/messages               # watch the stream: data:Hello
  http://localhost:${consumerPort}/                      # the live page

KAFKA_BINDING_DIR=${kafka.bindingDir}
Ctrl-C stops everything.`);
} catch (error) {
  console.error(`[demo] could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
