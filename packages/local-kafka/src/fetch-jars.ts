/** `npm run kafka:jars`: fetches the broker's jars ahead of time (CI does this before the tests). */
import { ensureKafkaJars, requireJava } from './kafka-jars.js';

try {
  await requireJava();
  console.log(`Kafka jars ready: ${await ensureKafkaJars((line) => console.log(line))}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
