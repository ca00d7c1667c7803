/**
 * The catch-up section's resuming clients, run as a process of their own (never the bench's or
 * the consumer's), driven over IPC by catch-up-clients.ts. Each client opens `GET /messages` with
 * a Last-Event-ID, reads every event's id (`<partition>:<offset>,...`: its own partition first)
 * and counts each offset it gets, per partition, so that at the end it can tell which offsets
 * after its id it never got (missing) and which it got more than once or already had (doubled).
 *
 * The ids are scanned in the response's bytes (node:http undoes the chunked framing), without a
 * string per event: 100 clients reading 100,000 events each must cost this process little, since
 * it shares the machine with the consumer it measures.
 */
import { Agent, request, type ClientRequest } from 'node:http';

/** A position as plain numbers, partition -> last offset held (offsets stay far below 2^53 here). */
export type Offsets = Readonly<Record<number, number>>;

export type CatchUpCommand =
  | {
      readonly type: 'open';
      readonly url: string;
      readonly partitions: number;
      /** One client per entry: the Last-Event-ID it resumes from, and the head when it connects. */
      readonly clients: ReadonlyArray<{ readonly lastEventId: string; readonly target: Offsets }>;
    }
  | { readonly type: 'wait'; readonly end: Offsets; readonly timeoutMs: number }
  | { readonly type: 'close' };

/** One client's account of its stream up to `end`. */
export interface CatchUpClientReport {
  readonly lastEventId: string;
  /** Records it should have had: those after its id up to `end`. */
  readonly expected: number;
  /** Distinct records of that range it got. */
  readonly received: number;
  /** Records of that range it never got... */
  readonly missing: number;
  /** ...of which after the newest it got in their partition when the wait ended (not reached yet). */
  readonly notReached: number;
  /** Extra copies of records in the range, and records at or before its id (it had them already). */
  readonly doubled: number;
  /** `gap` events it got (the consumer said records were no longer available). */
  readonly gaps: number;
  /** 503 answers before it was let in (it tried again a second later, as EventSource does). */
  readonly rejected: number;
  /** Streams the consumer ended while the client read (it resumed with its last id, as EventSource does). */
  readonly reconnects: number;
  /**
   * Seconds from the first request to the head when it connected (`target`), and to `end`: to the
   * record at that offset in every partition, or else to the event whose id said the client held
   * it (checked every 50 ms); null if neither came.
   */
  readonly caughtUpSeconds: number | null;
  readonly endSeconds: number | null;
  /** An answer other than 200 or 503, or a request error; empty when none. */
  readonly error: string;
}

export type CatchUpReply =
  | { readonly type: 'opened'; readonly open: number; readonly failed: number }
  | {
      readonly type: 'report';
      readonly clients: readonly CatchUpClientReport[];
      readonly timedOut: boolean;
      readonly cpuSeconds: number;
    }
  | { readonly type: 'closed' };

const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const now = (): number => performance.now();
const ID = Buffer.from('\nid:');
const GAP = Buffer.from('event:gap');
const NL = 10;
const COLON = 58;
const COMMA = 44;
const ZERO = 48;

/** Counts per offset of one partition after the client's id, grown as offsets arrive. */
class PartitionTally {
  counts = new Uint8Array(1024);
  /** Highest offset got; `from` while none. */
  max: number;
  /** Copies of offsets at or before `from`. */
  early = 0;

  constructor(readonly from: number) {
    this.max = from;
  }

  add(offset: number): void {
    if (offset <= this.from) {
      this.early++;
      return;
    }
    const index = offset - this.from - 1;
    if (index >= this.counts.length) {
      let size = this.counts.length * 2;
      while (size <= index) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.counts);
      this.counts = grown;
    }
    const count = this.counts[index] ?? 0;
    if (count < 255) this.counts[index] = count + 1;
    if (offset > this.max) this.max = offset;
  }
}

/** A position the client is waiting to reach in every partition. */
interface Goal {
  readonly offsets: Offsets;
  remaining: number;
  /** When it had received the record at the goal's offset in every partition. */
  at: number | null;
  /**
   * When the last event's id (the position the consumer says it holds) covered the goal, seen
   * every 50 ms: a client the consumer skipped ahead (`gap`) gets there without every record.
   */
  streamAt: number | null;
}

class Client {
  readonly tallies: PartitionTally[];
  readonly goals: Goal[] = [];
  readonly started = now();
  gaps = 0;
  rejected = 0;
  reconnects = 0;
  error = '';
  /** Where the last event's full id is (a reconnect resumes there), kept as bytes until needed. */
  #lastId: { bytes: Buffer; start: number; end: number } | undefined;
  req: ClientRequest | undefined;
  closed = false;
  #tail: Buffer | undefined;

  constructor(
    readonly lastEventId: string,
    partitions: number,
    target: Offsets,
  ) {
    const from = new Map<number, number>();
    for (const pair of lastEventId.split(',')) {
      const [p, o] = pair.split(':');
      from.set(Number(p), Number(o));
    }
    // A partition the id does not name: the client has none of it.
    this.tallies = Array.from(
      { length: partitions },
      (_, p) => new PartitionTally(from.get(p) ?? -1),
    );
    this.addGoal(target);
  }

  addGoal(offsets: Offsets): Goal {
    let remaining = 0;
    this.tallies.forEach((tally, p) => {
      if (tally.max < (offsets[p] ?? -1)) remaining++;
    });
    const goal: Goal = {
      offsets,
      remaining,
      at: remaining === 0 ? now() : null,
      streamAt: null,
    };
    this.goals.push(goal);
    return goal;
  }

  /** Scans a response chunk for ids (and gap events); a line cut by the chunk's end waits for the next. */
  read(chunk: Buffer): void {
    const bytes = this.#tail ? Buffer.concat([this.#tail, chunk]) : chunk;
    const end = bytes.lastIndexOf(NL);
    if (end < 0) {
      this.#tail = Buffer.from(bytes);
      return;
    }
    this.#tail = end + 1 < bytes.length ? Buffer.from(bytes.subarray(end + 1)) : undefined;
    // Every line before `end` is whole, and the region starts a line (the last cut was after a \n).
    const region = bytes.subarray(0, end + 1);
    if (region[0] === 105 && region[1] === 100 && region[2] === COLON) this.#id(region, 3);
    for (let at = region.indexOf(ID); at >= 0; at = region.indexOf(ID, at + 4))
      this.#id(region, at + 4);
    for (let at = region.indexOf(GAP); at >= 0; at = region.indexOf(GAP, at + GAP.length))
      this.gaps++;
  }

  /** One id line from `at`: its first pair is the event's own partition and offset. */
  #id(bytes: Buffer, start: number): void {
    let at = start;
    if (bytes[at] === 32) at++;
    let partition = 0;
    for (let c = bytes[at] ?? NL; c !== COLON; c = bytes[++at] ?? NL) {
      if (c === NL) return;
      partition = partition * 10 + c - ZERO;
    }
    let offset = 0;
    for (let c = bytes[++at] ?? NL; c !== COMMA && c !== NL && c !== 13; c = bytes[++at] ?? NL)
      offset = offset * 10 + c - ZERO;
    this.#lastId = { bytes, start, end: bytes.indexOf(NL, at) };
    const tally = this.tallies[partition];
    if (!tally) return;
    const before = tally.max;
    tally.add(offset);
    if (tally.max === before) return;
    for (const goal of this.goals) {
      if (goal.at !== null) continue;
      const want = goal.offsets[partition] ?? -1;
      if (before < want && tally.max >= want && --goal.remaining === 0) goal.at = now();
    }
  }

  /** The id a reconnect sends: the last event's, or the one it started from. */
  get lastId(): string {
    const last = this.#lastId;
    return last ? last.bytes.toString('latin1', last.start, last.end).trim() : this.lastEventId;
  }

  /** Marks the goals the last event's id covers, though some records never came (see Goal.streamAt). */
  checkStream(): void {
    const open = this.goals.filter((goal) => goal.at === null && goal.streamAt === null);
    if (open.length === 0 || !this.#lastId) return;
    const position = new Map<number, number>();
    for (const pair of this.lastId.split(',')) {
      const [p, o] = pair.split(':');
      position.set(Number(p), Number(o));
    }
    for (const goal of open)
      if (this.tallies.every((_, p) => (position.get(p) ?? -1) >= (goal.offsets[p] ?? -1)))
        goal.streamAt = now();
  }

  /** Drops an incomplete line (a new stream starts afresh). */
  resetTail(): void {
    this.#tail = undefined;
  }

  report(end: Offsets, endGoal: Goal): CatchUpClientReport {
    let expected = 0;
    let received = 0;
    let notReached = 0;
    let doubled = 0;
    this.tallies.forEach((tally, p) => {
      const last = end[p] ?? -1;
      doubled += tally.early;
      for (let offset = tally.from + 1; offset <= last; offset++) {
        expected++;
        const count = tally.counts[offset - tally.from - 1] ?? 0;
        if (count > 0) received++;
        else if (offset > tally.max) notReached++;
        if (count > 1) doubled += count - 1;
      }
    });
    const seconds = (goal: Goal | undefined): number | null => {
      const at = goal?.at ?? goal?.streamAt ?? null;
      return at === null ? null : (at - this.started) / 1000;
    };
    return {
      lastEventId: this.lastEventId,
      expected,
      received,
      missing: expected - received,
      notReached,
      doubled,
      gaps: this.gaps,
      rejected: this.rejected,
      reconnects: this.reconnects,
      caughtUpSeconds: seconds(this.goals[0]),
      endSeconds: seconds(endGoal),
      error: this.error,
    };
  }
}

let clients: Client[] = [];
const streamCheck = setInterval(() => {
  for (const client of clients) client.checkStream();
}, 50);
streamCheck.unref();

/** Opens (or reopens) `client`'s stream; resolves with whether a stream is open (or a retry is on its way). */
function connect(client: Client, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (client.closed) {
      resolve(false);
      return;
    }
    const req = request(
      url,
      { agent, headers: { Accept: 'text/event-stream', 'Last-Event-ID': client.lastId } },
      (res) => {
        if (res.statusCode === 503) {
          // Too many catch-ups at once: try again, as an EventSource would after its retry delay.
          client.rejected++;
          res.resume();
          setTimeout(() => void connect(client, url), 1000);
          resolve(true);
          return;
        }
        if (res.statusCode !== 200) {
          client.error ||= `answered ${res.statusCode}`;
          res.resume();
          resolve(false);
          return;
        }
        client.resetTail();
        res.on('data', (chunk: Buffer) => client.read(chunk));
        res.on('error', () => {});
        res.on('close', () => {
          // Ended by the consumer: resume where it is, as an EventSource does.
          if (client.closed) return;
          client.reconnects++;
          setTimeout(() => void connect(client, url), 200);
        });
        resolve(true);
      },
    );
    client.req = req;
    req.on('error', (error) => {
      if (client.closed) return;
      client.error ||= error.message;
      resolve(false);
    });
    req.end();
  });
}

async function open(command: Extract<CatchUpCommand, { type: 'open' }>): Promise<CatchUpReply> {
  const opened = command.clients.map(
    ({ lastEventId, target }) => new Client(lastEventId, command.partitions, target),
  );
  clients.push(...opened);
  const results = await Promise.all(opened.map((client) => connect(client, command.url)));
  return {
    type: 'opened',
    open: results.filter(Boolean).length,
    failed: results.filter((ok) => !ok).length,
  };
}

async function wait(command: Extract<CatchUpCommand, { type: 'wait' }>): Promise<CatchUpReply> {
  const goals = clients.map((client) => client.addGoal(command.end));
  const deadline = now() + command.timeoutMs;
  const done = (): boolean =>
    goals.every(
      (goal, i) => goal.at !== null || goal.streamAt !== null || (clients[i]?.error ?? '') !== '',
    );
  while (!done() && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const cpu = process.cpuUsage();
  return {
    type: 'report',
    clients: clients.map((client, i) => client.report(command.end, goals[i] as Goal)),
    timedOut: !done(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

process.on('message', (command: CatchUpCommand) => {
  const reply = (message: CatchUpReply): void => void process.send?.(message);
  if (command.type === 'open') void open(command).then(reply);
  else if (command.type === 'wait') void wait(command).then(reply);
  else {
    for (const client of clients) {
      client.closed = true;
      client.req?.destroy();
    }
    clients = [];
    reply({ type: 'closed' });
  }
});
