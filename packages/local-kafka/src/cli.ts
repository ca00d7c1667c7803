/**
 * `npm run kafka -- [--brokers N] [--binding-dir DIR] [--binding-mode 0600|0644|...] [--data-dir
 * DIR] [--binding-format F] [--security M]`:
 * runs the local broker (or a cluster of N) in the foreground, prints `KAFKA_BINDING_DIR=<path>`
 * once it is ready, stops on Ctrl-C, SIGTERM or SIGHUP, and when its parent (npm) ends, however
 * it ends. Each run is a fresh broker, also with --data-dir.
 */
import { parseArgs } from 'node:util';
import { BINDING_MODE_OPTION, bindingMode, bindingModeNote } from './binding-mode-option.js';
import {
  BINDING_OPTIONS,
  BINDING_OPTIONS_USAGE,
  appSettingsFor,
  bindingChoice,
  type BindingChoice,
} from './binding-options.js';
import { BROKERS_OPTION, brokerCount } from './brokers-option.js';
import { exitWithParent } from './exit-with-parent.js';
import type { LocalKafka } from './local-kafka.js';
import {
  nodesOf,
  startLocalKafkaOrCluster,
  type LocalKafkaCluster,
} from './local-kafka-cluster.js';

const { values } = parseArgs({
  options: {
    'binding-dir': { type: 'string' },
    ...BINDING_MODE_OPTION,
    'data-dir': { type: 'string' },
    ...BINDING_OPTIONS,
    ...BROKERS_OPTION,
    help: { type: 'boolean', short: 'h' },
  },
});

const USAGE =
  `Usage: npm run kafka -- [--brokers N] [--binding-dir DIR] [--binding-mode MODE] [--data-dir ` +
  `DIR] ${BINDING_OPTIONS_USAGE}\n` +
  'Runs a fresh local Kafka broker (or a cluster of N: replication factor min(N, 3), ' +
  'min.insync.replicas min(N, 2)) until Ctrl-C and prints KAFKA_BINDING_DIR=<dir>; the binding ' +
  'is written in the given shape (default walkthrough)\n' +
  'for the given security mode (default scram-sha-256 for walkthrough, scram-sha-512 for the ' +
  'Strimzi shapes). The broker serves every mode at once.\n' +
  "The binding's files are private to you (mode 0600) unless --binding-mode says otherwise (0644 " +
  'lets a container running as another user read them).';
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
let choice: BindingChoice;
let brokers: number;
let mode: number;
try {
  choice = bindingChoice(values);
  brokers = brokerCount(values.brokers);
  mode = bindingMode(values['binding-mode']);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
const { bindingFormat, security } = choice;

let kafka: LocalKafka | LocalKafkaCluster | undefined;
let stopping = false;

/** Stops the broker (if it got that far) and exits; a signal during start-up waits for it to end. */
function shutdown(reason: string, code: number): void {
  if (stopping) return;
  stopping = true;
  console.error(`${reason}: stopping Kafka ...`);
  if (!kafka) return; // start-up is still running: it sees `stopping` when it ends
  kafka.stop().then(
    () => process.exit(code),
    (error: unknown) => {
      console.error(`Kafka did not stop cleanly: ${String(error)}`);
      process.exit(1);
    },
  );
}
// Registered before start-up, which can take minutes when Maven fetches the jars.
process.on('SIGINT', () => shutdown('SIGINT', 0));
process.on('SIGTERM', () => shutdown('SIGTERM', 0));
process.on('SIGHUP', () => shutdown('SIGHUP', 0));
// `kill <pid of npm run kafka>` reaches npm alone, which may exit without passing it on.
exitWithParent(() => shutdown('parent process gone', 0));

try {
  kafka = await startLocalKafkaOrCluster({
    bindingDir: values['binding-dir'],
    dataDir: values['data-dir'],
    bindingFormat,
    security,
    brokers,
    bindingMode: mode,
    log: (line) => console.error(line),
    onUnexpectedExit: (node, how) => {
      if (brokers === 1) {
        console.error(`Kafka exited by itself (${how}); see ${kafka?.logFile ?? 'its log'}`);
        shutdown('broker gone', 1);
      } else {
        // Killing a node by hand is how one tries failover: the others carry on.
        console.error(`Kafka node ${node} exited (${how}); the cluster carries on without it`);
      }
    },
  });
} catch (error) {
  console.error(`Could not start Kafka: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

if (stopping) {
  stopping = false;
  shutdown('stopped during start-up', 0);
} else {
  console.log(`KAFKA_BINDING_DIR=${kafka.bindingDir}`);
  const where = security === 'mtls' ? kafka.mtlsBrokers : kafka.brokers;
  console.error(
    `Kafka runs on ${where.join(',')} (${security}, a ${bindingFormat} binding) as ` +
      `${kafka.user.username}; Ctrl-C stops it.`,
  );
  console.error(bindingModeNote(mode));
  const settings = Object.entries(appSettingsFor(bindingFormat, kafka.user.topicPrefix)).map(
    ([name, value]) => `${name}=${value}`,
  );
  if (settings.length > 0)
    console.error(`A Strimzi Secret names no topic: run the apps with ${settings.join(' ')}.`);
  for (const node of nodesOf(kafka)) {
    console.error(
      `  node ${node.id}: ${security === 'mtls' ? node.mtlsBroker : node.broker}, JVM pid ` +
        `${node.pid} (kill -STOP, later -CONT, freezes it; kill -9 loses it for this run)`,
    );
  }
}
