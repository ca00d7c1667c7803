/**
 * Connections a worker takes before the next one gets any. One worker batches every POST into
 * one producer's requests, and two workers at moderate load send twice the requests, each half
 * as big, which costs the broker and each process more than the second CPU gives back (measured:
 * docs/performance.md). Past this many connections a worker is near saturation and the others
 * share the load.
 */
export const FILL_CONNECTIONS = 32;

/** A worker as the acceptor counts it: its connections still open. */
export interface WorkerLoad {
  readonly id: number;
  readonly open: number;
}

/**
 * The worker a new connection goes to: the first, in `workers`' order, with fewer than `fill`
 * open, else the one with the fewest (the first of those); undefined when there is none.
 */
export function fillFirst(workers: readonly WorkerLoad[], fill: number): number | undefined {
  let fewest: WorkerLoad | undefined;
  for (const worker of workers) {
    if (worker.open < fill) return worker.id;
    if (fewest === undefined || worker.open < fewest.open) fewest = worker;
  }
  return fewest?.id;
}
