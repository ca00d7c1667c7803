/**
 * `npm run kafka -- [--brokers N] [--binding-dir DIR] [--data-dir DIR]`: runs the local broker
 * (or a cluster of N) in the foreground, prints `KAFKA_BINDING_DIR=<path>` once it is ready,
 * stops on Ctrl-C, SIGTERM or SIGHUP, and when its parent (npm) ends, however it ends.
 * Each run is a fresh broker, also with --data-dir.
 */
import { parseArgs } from 'node:util';
import { exitWithParent } from './exit-with-parent.js';
import type { LocalKafka } from './local-kafka.js';
import { nodesOf, startLocalKafkaOrCluster, type LocalKafkaCluster } from './local-kafka-cluster.js';

const { values } = parseArgs({
  options: {
    'binding-dir': { type: 'string' },
    'data-dir': { type: 'string' },
    brokers: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'Usage: npm run kafka -- [--brokers N] [--binding-dir DIR] [--data-dir DIR]\n' +
      'Runs a fresh local Kafka broker (or a cluster of N, replication factor 3, min.insync.replicas 2) until Ctrl-C and prints KAFKA_BINDING_DIR=<dir>.',
  );
  process.exit(0);
}
const brokers = Number(values.brokers);
if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
  console.error(`--brokers takes a whole number from 1 to 9, not "${values.brokers}"`);
  process.exit(2);
}

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
    brokers,
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
  console.error(`Kafka runs on ${kafka.brokers.join(',')} as ${kafka.user.username}; Ctrl-C stops it.`);
  for (const node of nodesOf(kafka)) {
    console.error(`  node ${node.id}: ${node.broker}, JVM pid ${node.pid} (kill -STOP, later -CONT, freezes it; kill -9 loses it for this run)`);
  }
}
