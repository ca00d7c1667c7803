import type { KafkaNode, LocalKafkaCluster } from '@demo-kafka/local-kafka';
import { LoopbackPartition, outgoingConnections } from './loopback-partition.js';
import type { SeededRandom } from './seeded-random.js';

/** What the nemesis can do to the cluster. All but `two-down` leave a majority of brokers standing. */
export const FAULT_KINDS = [
  'kill',
  'freeze',
  'cut-clients',
  'cut-peers',
  'kill-controller',
  'rolling-restart',
  'two-down',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** The single-broker faults; without the right to change the firewall, those that need it are left out. */
export function singleBrokerFaults(partitions: boolean): FaultKind[] {
  return FAULT_KINDS.filter(
    (kind) => kind !== 'two-down' && (partitions || !kind.startsWith('cut-')),
  );
}

/** One fault of a schedule, as drawn from the seed. */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** The node faulted (1-based); for kill-controller and two-down it is chosen when the fault starts. */
  readonly node: number;
  /** How long the fault lasts before it is healed. */
  readonly holdMs: number;
  /** How long the whole cluster runs between this fault's end and the next one. */
  readonly healMs: number;
}

/** What happened, for the report and the timeline. */
export interface FaultWindow {
  readonly kind: FaultKind;
  readonly nodes: readonly number[];
  readonly from: number;
  /** When the fault was healed (the node restarted, continued or reconnected). */
  readonly healedAt: number;
  /** Two-down only: when the first of the two was back, so a majority stood again. */
  readonly majorityBackAt?: number;
  /** When the cluster was whole and the apps ready again. */
  readonly wholeAt: number;
}

export interface ScheduleOptions {
  readonly brokers: number;
  readonly holdMs: readonly [number, number];
  readonly healMs: readonly [number, number];
  /** How long the two-down window lasts (longer than the produce timeout, so POSTs meet it whole). */
  readonly twoDownMs: number;
  /** The single-broker faults to draw from. */
  readonly kinds: readonly FaultKind[];
}

/**
 * The `index`-th fault of the schedule drawn from `random`: single-broker faults at random, and the
 * one two-down window at `twoDownAt`. Drawn one at a time, so a campaign bounded by time uses the
 * same sequence as one bounded by count with the same seed.
 */
export function drawFault(
  random: SeededRandom,
  index: number,
  twoDownAt: number,
  options: ScheduleOptions,
): PlannedFault {
  const kind = index === twoDownAt ? 'two-down' : random.pick(options.kinds);
  return {
    kind,
    node: random.int(1, options.brokers),
    holdMs:
      kind === 'two-down' ? options.twoDownMs : random.int(options.holdMs[0], options.holdMs[1]),
    healMs: random.int(options.healMs[0], options.healMs[1]),
  };
}

export interface Nemesis {
  /** Applies the fault, holds it, heals it; resolves once healed (not yet whole). Always heals, even when a step fails. */
  run(fault: PlannedFault): Promise<Omit<FaultWindow, 'wholeAt'>>;
  /** Removes every network cut and thaws every node (for a run that ends early). */
  close(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The nemesis of a local cluster: kills, freezes and network partitions of one broker at a time, and the two-down window. */
export function nemesis(cluster: LocalKafkaCluster, log: (line: string) => void): Nemesis {
  const partition = new LoopbackPartition();

  /** Cut `node` off from its peers both ways: its peer ports, and the connections it opened to theirs (followed as it reconnects). */
  const cutPeers = async (node: KafkaNode, holdMs: number): Promise<void> => {
    partition.cutPorts(node.peerPorts);
    const theirs = cluster.nodes.filter((n) => n !== node).flatMap((n) => n.peerPorts);
    // Its new connections too, from the first packet: else a heartbeat to the controller gets
    // through each time it reconnects, and the cluster never fences it.
    if (node.pid !== undefined) partition.cutProcessTo(node.pid, theirs);
    const cut = new Set<string>();
    const follow = (): void => {
      if (node.pid === undefined) return;
      for (const [local, remote] of outgoingConnections(node.pid, theirs)) {
        if (cut.has(`${local}:${remote}`)) continue;
        cut.add(`${local}:${remote}`);
        partition.cutConnection(local, remote);
      }
    };
    const deadline = Date.now() + holdMs;
    while (Date.now() < deadline) {
      follow();
      await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
  };

  const run = async (fault: PlannedFault): Promise<Omit<FaultWindow, 'wholeAt'>> => {
    const from = Date.now();
    let nodes: number[] = [fault.node];
    let majorityBackAt: number | undefined;
    const node = cluster.node(fault.node);
    try {
      switch (fault.kind) {
        case 'kill':
          await node.kill();
          await sleep(fault.holdMs);
          await node.start();
          break;
        case 'freeze':
          node.freeze();
          await sleep(fault.holdMs);
          node.thaw();
          break;
        case 'cut-clients':
          partition.cutPorts(node.clientPorts);
          await sleep(fault.holdMs);
          partition.heal();
          break;
        case 'cut-peers':
          await cutPeers(node, fault.holdMs);
          partition.heal();
          break;
        case 'kill-controller': {
          const controller = cluster.node(cluster.activeController() ?? fault.node);
          nodes = [controller.id];
          await controller.kill();
          await sleep(fault.holdMs);
          await controller.start();
          break;
        }
        case 'rolling-restart':
          nodes = cluster.nodes.map((n) => n.id);
          for (const each of cluster.nodes) {
            await each.stop();
            await each.start();
            await cluster.waitUntilWhole(90_000);
          }
          break;
        case 'two-down': {
          const controller = cluster.activeController();
          const chosen = cluster.nodes.filter((n) => n.id !== controller).slice(0, 2);
          nodes = chosen.map((n) => n.id);
          // Frozen rather than killed: as much "out" for the cluster and the clients, and it heals
          // at once, where restarting two JVMs costs a loaded machine a minute.
          chosen.forEach((n) => {
            n.freeze();
          });
          await sleep(fault.holdMs);
          chosen[0]?.thaw();
          majorityBackAt = Date.now();
          chosen[1]?.thaw();
          break;
        }
      }
    } finally {
      // Whatever failed above, the next fault (or the end of the run) meets a healed cluster.
      partition.heal();
      cluster.nodes.forEach((n) => {
        n.thaw();
      });
      await Promise.all(cluster.nodes.filter((n) => !n.running).map((n) => n.start()));
    }
    log(`[faults] ${fault.kind} of node ${nodes.join('+')} for ${Date.now() - from} ms`);
    return {
      kind: fault.kind,
      nodes,
      from,
      healedAt: Date.now(),
      ...(majorityBackAt !== undefined ? { majorityBackAt } : {}),
    };
  };

  return {
    run,
    close: () => {
      partition.close();
      cluster.nodes.forEach((n) => {
        n.thaw();
      });
    },
  };
}
