/**
 * `npm run kafka -- [--binding-dir DIR] [--data-dir DIR] [--binding-format F] [--security M]`:
 * runs the local broker in the foreground, prints `KAFKA_BINDING_DIR=<path>` once it is ready,
 * stops on Ctrl-C or SIGTERM. Each run is a fresh broker, also with --data-dir.
 */
import { parseArgs } from 'node:util';
import { BINDING_OPTIONS, BINDING_OPTIONS_USAGE, appSettingsFor, bindingChoice, type BindingChoice } from './binding-options.js';
import { startLocalKafka, type LocalKafka } from './local-kafka.js';

const { values } = parseArgs({
  options: {
    'binding-dir': { type: 'string' },
    'data-dir': { type: 'string' },
    ...BINDING_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  },
});

const USAGE =
  `Usage: npm run kafka -- [--binding-dir DIR] [--data-dir DIR] ${BINDING_OPTIONS_USAGE}\n` +
  'Runs a fresh local Kafka broker until Ctrl-C and prints KAFKA_BINDING_DIR=<dir>; the binding is written in the given shape (default walkthrough)\n' +
  'for the given security mode (default scram-sha-256 for walkthrough, scram-sha-512 for the Strimzi shapes). The broker serves every mode at once.';
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
let choice: BindingChoice;
try {
  choice = bindingChoice(values);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
const { bindingFormat, security } = choice;

let kafka: LocalKafka | undefined;
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

try {
  kafka = await startLocalKafka({
    bindingDir: values['binding-dir'],
    dataDir: values['data-dir'],
    bindingFormat,
    security,
    log: (line) => console.error(line),
    onUnexpectedExit: (how) => {
      console.error(`Kafka exited by itself (${how}); see ${kafka?.logFile ?? 'its log'}`);
      shutdown('broker gone', 1);
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
  console.error(`Kafka runs on ${where.join(',')} (${security}, a ${bindingFormat} binding) as ${kafka.user.username}; Ctrl-C stops it.`);
  const settings = Object.entries(appSettingsFor(bindingFormat, kafka.user.topicPrefix)).map(([name, value]) => `${name}=${value}`);
  if (settings.length > 0) console.error(`A Strimzi Secret names no topic: run the apps with ${settings.join(' ')}.`);
}
