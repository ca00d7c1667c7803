import kafkajs from 'kafkajs';
import { fixRequestQueueTimerLoop } from '@demo-kafka/app-kit/request-queue-timer-fix';

// The launcher's own clients (readiness probe, ACLs, cluster checks) run in the demo's and the
// CLI's process: without the apps' fix they wake it every millisecond and, on Node 24 and later,
// print a TimeoutNegativeWarning to the user's terminal.
fixRequestQueueTimerLoop();

/** kafkajs, with its request-queue timer fixed for every connection of this process. */
export default kafkajs;
