/**
 * The fan-out load generator, run as a process of its own (never the bench's or the server's):
 * holds many SSE streams over raw sockets and measures delivery. Driven over IPC by
 * fan-out-clients.ts. Each event's data is `<run>|<key>|<sent at, epoch ms>|<n>`; every client
 * counts the events it gets once a run is measured, and one in SAMPLE_EVERY records their delay.
 *
 * Raw sockets and a byte scan, not node:http: at 19,000 clients x 10 messages/s this process
 * reads 190,000 events a second on a 2-core machine, and must not be what is measured.
 */
import { connect, type Socket } from 'node:net';

export type ClientCommand =
  | {
      readonly type: 'open';
      readonly host: string;
      readonly port: number;
      readonly path: string;
      readonly count: number;
      readonly inFlight: number;
      readonly filter: string;
      readonly replayEvents: number;
      /** Sent as each stream's `Authorization` header (`Bearer <token>`); none when absent. */
      readonly authorization?: string;
    }
  | { readonly type: 'measure'; readonly run: string }
  | { readonly type: 'report' }
  | { readonly type: 'close' };

export type ClientReply =
  | {
      readonly type: 'opened';
      readonly opened: number;
      readonly failed: number;
      readonly seconds: number;
      readonly open: number;
    }
  | {
      readonly type: 'report';
      readonly received: Readonly<Record<string, number>>;
      readonly p50: number;
      readonly p99: number;
      readonly samples: number;
      readonly cpuSeconds: number;
    }
  | { readonly type: 'closed' };

/** One stream in this many reads the delay of every event; all count them. */
const SAMPLE_EVERY = 8;
const now = (): number => performance.timeOrigin + performance.now();
const sockets = new Set<Socket>();
let streamsOpened = 0;
let run = '';
/** Events counted per filter (`''`: unfiltered) since `measure`. */
/** Delays in ms, kept as a histogram of 1 ms bins up to 60 s: 190k samples a second, no arrays. */
let histogram = new Uint32Array(60_001);
let received = new Map<string, number>();

function record(text: string): void {
  // <run>|<key>|<sentAt>|<n>
  const a = text.indexOf('|');
  if (a < 0 || text.slice(0, a) !== run) return;
  const b = text.indexOf('|', a + 1);
  const c = text.indexOf('|', b + 1);
  if (b < 0 || c < 0) return;
  const delay = Math.round(now() - Number(text.slice(b + 1, c)));
  const slot = Math.min(Math.max(delay, 0), histogram.length - 1);
  histogram[slot] = (histogram[slot] ?? 0) + 1;
}

function percentileOf(p: number, total: number): number {
  if (total === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms] ?? 0;
    if (seen >= rank) return ms;
  }
  return histogram.length - 1;
}

const DATA = Buffer.from('data:');

/** How many `data:` fields `chunk` holds, one split across the previous chunk's end included. */
function countData(chunk: Buffer, previousTail: string): number {
  let count =
    (previousTail + chunk.toString('latin1', 0, 4)).indexOf('data:') >= 0 && previousTail.length > 0
      ? 1
      : 0;
  for (let at = chunk.indexOf(DATA); at >= 0; at = chunk.indexOf(DATA, at + DATA.length)) count++;
  return count;
}

/**
 * Opens one stream; resolves once the head arrived and, if asked, `replayEvents` events after it.
 * A sampled stream reads every event's stamp; the others only count their events with a byte
 * scan, which keeps this process from being the bottleneck at 190,000 events a second.
 */
function openOne(
  host: string,
  port: number,
  path: string,
  replayEvents: number,
  filter: string,
  sampled: boolean,
  authorization: string | undefined,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let head = true;
    let rest = '';
    let tail = '';
    let events = 0;
    let settled = false;
    // A stream that does not get its head (and replay) in time counts as failed.
    const timer = setTimeout(() => {
      settle(false);
      socket.destroy();
    }, 10_000);
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const credentials = authorization === undefined ? '' : `Authorization: ${authorization}\r\n`;
    socket.on('connect', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\n${credentials}\r\n`,
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      if (head) {
        if (chunk.toString('latin1', 0, 12) !== 'HTTP/1.1 200') {
          socket.destroy();
          settle(false);
          return;
        }
        head = false;
        sockets.add(socket);
        if (replayEvents === 0) settle(true);
      }
      if (!sampled) {
        const n = countData(chunk, tail);
        tail = chunk.toString('latin1', Math.max(0, chunk.length - 4));
        events += n;
        if (run !== '' && n > 0) received.set(filter, (received.get(filter) ?? 0) + n);
      } else {
        const text = rest + chunk.toString('latin1');
        let at = 0;
        for (;;) {
          const start = text.indexOf('data:', at);
          if (start < 0) break;
          const end = text.indexOf('\n', start);
          if (end < 0) break;
          events++;
          record(text.slice(start + 5, end));
          at = end + 1;
        }
        // Keeps an event split across reads whole (only its tail can be incomplete).
        const partial = text.indexOf('data:', at);
        rest = partial >= 0 ? text.slice(partial) : '';
      }
      if (!settled && events >= replayEvents) settle(true);
    });
    socket.on('error', () => settle(false));
    socket.on('close', () => {
      sockets.delete(socket);
      settle(false);
    });
  });
}

async function open(command: Extract<ClientCommand, { type: 'open' }>): Promise<ClientReply> {
  const started = now();
  let opened = 0;
  let failed = 0;
  let next = 0;
  let lastOpened = started;
  const worker = async (): Promise<void> => {
    while (next < command.count) {
      next++;
      const sampled = streamsOpened++ % SAMPLE_EVERY === 0;
      if (
        await openOne(
          command.host,
          command.port,
          command.path,
          command.replayEvents,
          command.filter,
          sampled,
          command.authorization,
        )
      ) {
        opened++;
        lastOpened = now();
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.inFlight, command.count) }, worker));
  // Until the last stream that did open: one that timed out would otherwise set the figure.
  return {
    type: 'opened',
    opened,
    failed,
    seconds: (lastOpened - started) / 1000,
    open: sockets.size,
  };
}

process.on('message', (command: ClientCommand) => {
  const reply = (message: ClientReply): void => void process.send?.(message);
  if (command.type === 'open') void open(command).then(reply);
  else if (command.type === 'measure') {
    run = command.run;
    histogram = new Uint32Array(histogram.length);
    received = new Map();
  } else if (command.type === 'report') {
    const samples = histogram.reduce((sum, n) => sum + n, 0);
    const cpu = process.cpuUsage();
    reply({
      type: 'report',
      received: Object.fromEntries(received),
      p50: percentileOf(50, samples),
      p99: percentileOf(99, samples),
      samples,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  } else {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    reply({ type: 'closed' });
  }
});
