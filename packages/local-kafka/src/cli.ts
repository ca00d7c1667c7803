/**
 * `npm run kafka -- [--binding-dir DIR] [--data-dir DIR]`: runs the local broker in the
 * foreground, prints `KAFKA_BINDING_DIR=<path>` once it is ready, stops on Ctrl-C or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startLocalKafka } from './local-kafka.js';

const { values } = parseArgs({
  options: {
    'binding-dir': { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log('Usage: npm run kafka -- [--binding-dir DIR] [--data-dir DIR]\nRuns a local Kafka broker until Ctrl-C and prints KAFKA_BINDING_DIR=<dir>.');
  process.exit(0);
}

const kafka = await startLocalKafka({
  bindingDir: values['binding-dir'],
  dataDir: values['data-dir'],
  log: (line) => console.error(line),
}).catch((error: unknown) => {
  console.error(`Could not start Kafka: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

console.log(`KAFKA_BINDING_DIR=${kafka.bindingDir}`);
console.error(`Kafka runs on ${kafka.brokers.join(',')} as ${kafka.user.username}; Ctrl-C stops it.`);

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: stopping Kafka ...`);
  kafka.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`Kafka did not stop cleanly: ${String(error)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
