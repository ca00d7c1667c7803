/**
 * `npm run demo [-- --brokers 3 --auth --binding-format F --security M]`: a real Kafka broker
 * (packages/local-kafka), or a cluster of three, the producer on 30776 and the consumer on 31876,
 * as the walkthrough's NodePorts, bound through a binding directory of the given shape. With
 * --auth, an OpenID provider on 127.0.0.1 too (scripts/local-oidc-issuer.ts), whose access tokens
 * both apps then require, and the commands that get one and send it.
 * Ctrl-C, SIGTERM, SIGHUP or the end of its parent (npm) stops all of it.
 * Ports: PRODUCER_PORT and CONSUMER_PORT; app log level: LOG_LEVEL (default warn).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BINDING_VARIABLES } from '@demo-kafka/config';
import { parseArgs } from 'node:util';
import {
  BINDING_OPTIONS,
  BINDING_OPTIONS_USAGE,
  BROKERS_OPTION,
  appSettingsFor,
  bindingChoice,
  brokerCount,
  exitWithParent,
  nodesOf,
  startLocalKafkaOrCluster,
  type LocalKafka,
} from '@demo-kafka/local-kafka';
import { NODE_PORTS } from '../k8s/node-ports.js';
import { LOCAL_SCOPES, startLocalOidcIssuer, type LocalOidcIssuer } from './local-oidc-issuer.js';
import { sourceProcessArgs } from './source-process.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const producerPort = Number(process.env.PRODUCER_PORT ?? NODE_PORTS.producer);
const consumerPort = Number(process.env.CONSUMER_PORT ?? NODE_PORTS.consumer);
const say = (line: string): void => console.log(`[demo] ${line}`);
const USAGE =
  `Usage: [PRODUCER_PORT=N] [CONSUMER_PORT=N] [LOG_LEVEL=L] npm run demo -- [--brokers N] [--auth] ${BINDING_OPTIONS_USAGE}\n` +
  'Runs a fresh local Kafka (one broker, or a cluster of N) and both apps until Ctrl-C, bound through a binding directory of the given shape and security mode.\n' +
  "--auth also runs an OpenID provider on 127.0.0.1 (a client id and a random secret) and turns access tokens on in both apps (AUTH_ISSUER, AUTH_AUDIENCE; the page's origin in CORS_ORIGINS), and prints how to get a token and send it.\n" +
  `PRODUCER_PORT and CONSUMER_PORT are the apps' ports (default ${NODE_PORTS.producer} and ${NODE_PORTS.consumer}); LOG_LEVEL is the apps' log level (default warn).`;
const { choice, brokers, auth } = (() => {
  try {
    const { values } = parseArgs({
      options: {
        ...BINDING_OPTIONS,
        ...BROKERS_OPTION,
        auth: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return {
      choice: bindingChoice(values),
      brokers: brokerCount(values.brokers),
      auth: values.auth,
    };
  } catch (error) {
    console.error(`[demo] ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
})();

let kafka: LocalKafka | undefined;
let issuer: LocalOidcIssuer | undefined;
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
    await issuer?.close();
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

function startApp(name: 'producer' | 'consumer', port: number, kafka: LocalKafka): ChildProcess {
  const child = spawn(process.execPath, sourceProcessArgs(`apps/${name}/src/main.ts`), {
    cwd: repo,
    env: {
      ...withoutBindingVariables(issuer ? withoutAuthVariables(process.env) : process.env),
      ...appSettingsFor(choice.bindingFormat, kafka.user.topicPrefix),
      KAFKA_BINDING_DIR: kafka.bindingDir,
      ...(name === 'consumer' ? pageSettings() : {}),
      ...(issuer ? authSettings(name, issuer) : {}),
      PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
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
 * Where the consumer's page posts: by default the page's own host on the producer's NodePort, so
 * another producer port has to be told (as localhost, where the banner sends the user).
 */
function pageSettings(): Record<string, string> {
  return producerPort === NODE_PORTS.producer || process.env.PRODUCER_URL
    ? {}
    : { PRODUCER_URL: `http://localhost:${producerPort}` };
}

/**
 * With --auth: tokens from the demo's provider, for both apps; and, as with tokens on `*` allows no
 * origin, the page's origin (by either name the banner's link may be opened as) for the producer,
 * unless the shell's CORS_ORIGINS says otherwise.
 */
function authSettings(
  name: 'producer' | 'consumer',
  issuer: LocalOidcIssuer,
): Record<string, string> {
  const pageOrigins = ['localhost', '127.0.0.1'].map((host) => `http://${host}:${consumerPort}`);
  return {
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    ...(name === 'producer'
      ? { CORS_ORIGINS: process.env.CORS_ORIGINS ?? pageOrigins.join(',') }
      : {}),
  };
}

/**
 * The shell's environment minus what would keep the demo's provider from deciding alone with
 * --auth: other AUTH_* settings (another key set, scopes, subjects) and PRODUCER_TOKEN, which
 * with AUTH_* stops the producer.
 */
function withoutAuthVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('AUTH_') && name !== 'PRODUCER_TOKEN'),
  );
}

/**
 * The shell's environment minus every variable that could point the apps at another Kafka: a
 * KAFKA_* binding variable would override the local broker's binding key by key.
 */
function withoutBindingVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = new Set<string>(BINDING_VARIABLES);
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

/**
 * The banner's lines with --auth: a token for both scopes (an hour) by the client-credentials grant,
 * in one line any POSIX shell runs (curl and sed, no jq), and the walkthrough's curl lines with it.
 */
function tokenLines(issuer: LocalOidcIssuer): string {
  const client = issuer.clients[0];
  return `
Access tokens are on: the OpenID provider ${issuer.issuer} gives client ${client} tokens for ${issuer.audience}, an hour each.
Get one, then send it (the live page asks for it too: echo $TOKEN):
  TOKEN=$(curl -s -u ${client}:${issuer.clientSecret} -d grant_type=client_credentials -d scope="${LOCAL_SCOPES}" -d resource=${issuer.audience} ${issuer.tokenEndpoint} | sed -nE 's/.*"access_token":"([^"]+)".*/\\1/p')
  curl localhost:${producerPort}/messages -H "Authorization: Bearer $TOKEN" -d Hello
  curl localhost:${consumerPort}/messages -H "Authorization: Bearer $TOKEN"
`;
}

try {
  if (auth) {
    issuer = await startLocalOidcIssuer({ tokenTtlSeconds: 3600 });
    say(`OpenID provider on ${issuer.issuer}`);
  }
  kafka = await startLocalKafkaOrCluster({
    brokers,
    log: say,
    ...choice,
    onUnexpectedExit: (node, how) =>
      say(
        brokers === 1
          ? `Kafka exited by itself (${how})`
          : `Kafka node ${node} exited (${how}); the cluster carries on`,
      ),
  });
  startApp('producer', producerPort, kafka);
  startApp('consumer', consumerPort, kafka);
  await Promise.all([waitReady('producer', producerPort), waitReady('consumer', consumerPort)]);
  console.log(`
Kafka ${(choice.security === 'mtls' ? kafka.mtlsBrokers : kafka.brokers).join(',')} (${choice.security}, a ${choice.bindingFormat} binding, topic ${kafka.user.topicPrefix}default) and both apps are running.
${nodesOf(kafka)
  .map(
    (node) =>
      `  Kafka node ${node.id}: JVM pid ${node.pid} (kill -STOP / -CONT to freeze it, kill -9 to lose it)\n`,
  )
  .join('')}
  curl localhost:${producerPort}/messages -d Hello      # write a message${issuer ? ': 401 without a token' : ''}
  curl localhost:${consumerPort}/messages               # watch the stream: ${issuer ? '401 without a token' : 'data:Hello'}
  http://localhost:${consumerPort}/                      # the live page
${issuer ? tokenLines(issuer) : ''}
KAFKA_BINDING_DIR=${kafka.bindingDir}
Ctrl-C stops everything.`);
} catch (error) {
  console.error(
    `[demo] could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  await stopAll(1);
}
