import { fixConnectionBufferOnReconnect } from './connection-buffer-fix.js';
import { followMovedLeaders } from './follow-moved-leaders.js';
import { fixGroupMessagesPerPartition } from './group-messages-fix.js';
import { takeMetadataFromAnsweringBrokers } from './metadata-from-answering-brokers.js';
import { refuseOlderLeaderEpochs } from './metadata-leader-epochs.js';
import { fixProduceRequestEncoding } from './produce-request-fix.js';
import { fixRecordEncoder } from './record-encoder-fix.js';
import { fixRequestQueueTimerLoop } from './request-queue-timer-fix.js';
import { fixSendMessagesRetryOverlap } from './send-messages-fix.js';
import { skipUndecodableBatches } from './undecodable-batch-skip.js';
import { isolateUnreachableBrokers } from './unreachable-broker-isolation.js';

/**
 * What a fix is for: without a `correctness` fix the apps break a promise (a record written twice,
 * a stream that stalls), so they refuse to start; without a `speed` fix they only cost more.
 */
export type KafkajsFixKind = 'correctness' | 'speed';

/** One change to kafkajs 2.2.4, described in FIXES.md under its name. */
export interface KafkajsFix {
  readonly name: string;
  readonly kind: KafkajsFixKind;
  /** Applies it; false when it could not be (another kafkajs version, or kafkajs loaded too early). */
  readonly apply: () => boolean;
}

/**
 * Every fix, in the order they are applied. The module swaps come first, each before the kafkajs
 * module that binds what it swaps: the grouping before sendMessages (which binds it), sendMessages
 * before the message producer, the record encoder before the produce request that binds it (and that before the later versions built on it), the record batch decoder before the fetch decoding (loaded with
 * the first fetch). The prototype patches only need to come before any client exists.
 */
export const KAFKAJS_FIXES: readonly KafkajsFix[] = [
  { name: 'record-encoder', kind: 'speed', apply: fixRecordEncoder },
  { name: 'produce-request-encoding', kind: 'speed', apply: fixProduceRequestEncoding },
  { name: 'group-messages-per-partition', kind: 'speed', apply: fixGroupMessagesPerPartition },
  { name: 'send-messages-retry-overlap', kind: 'correctness', apply: fixSendMessagesRetryOverlap },
  { name: 'undecodable-batch-skip', kind: 'correctness', apply: skipUndecodableBatches },
  { name: 'request-queue-timer-loop', kind: 'speed', apply: fixRequestQueueTimerLoop },
  {
    name: 'connection-buffer-on-reconnect',
    kind: 'correctness',
    apply: fixConnectionBufferOnReconnect,
  },
  { name: 'unreachable-broker-isolation', kind: 'correctness', apply: isolateUnreachableBrokers },
  {
    name: 'metadata-from-answering-brokers',
    kind: 'correctness',
    apply: takeMetadataFromAnsweringBrokers,
  },
  { name: 'metadata-leader-epochs', kind: 'correctness', apply: refuseOlderLeaderEpochs },
  { name: 'follow-moved-leaders', kind: 'correctness', apply: followMovedLeaders },
];

let applied: ReadonlyMap<string, boolean> | undefined;

/** Applies every fix once per process (later calls return the first outcome): whether each applied, by name. */
export function applyKafkajsFixes(): ReadonlyMap<string, boolean> {
  applied ??= new Map(KAFKAJS_FIXES.map((fix) => [fix.name, fix.apply()]));
  return applied;
}
