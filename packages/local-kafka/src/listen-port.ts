import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Reads the kernel's ephemeral port range, as `"<low> <high>"`; throws where this system keeps it elsewhere. */
export type PortRangeSource = () => string;

/** Linux keeps the range in /proc; macOS (and the BSDs) in sysctl. */
const SYSTEM_RANGE: PortRangeSource = () =>
  process.platform === 'linux'
    ? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    : execFileSync('sysctl', ['-n', 'net.inet.ip.portrange.first', 'net.inet.ip.portrange.last'], {
        encoding: 'utf8',
        timeout: 5_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      });

/**
 * The kernel's range of ephemeral (outgoing) ports; Linux's default (32768-60999) when it cannot
 * be read, which lies below macOS's and Windows' default (49152-65535) too.
 */
export function ephemeralRange(source: PortRangeSource = SYSTEM_RANGE): [number, number] {
  try {
    const [low, high] = source().trim().split(/\s+/).map(Number);
    if (low && high && low <= high) return [low, high];
  } catch {
    // not kept where this system's kind keeps it: assume the lowest default
  }
  return [32768, 60999];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port that is free now and lies below the ephemeral range, for a listener that is
 * stopped and started again on the same port: a port the OS handed out from that range can be
 * taken, while the listener is down, as the source port of any outgoing connection.
 */
export async function freeListenPort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const high = Math.min(ephemeralLow - 1, 32_767);
  const low = Math.max(10_000, high - 12_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!taken.has(port) && (await canListen(port))) return port;
  }
  throw new Error(`no free port between ${low} and ${high}`);
}

/** `count` distinct ports from {@link freeListenPort}. */
export async function freeListenPorts(count: number): Promise<number[]> {
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(await freeListenPort(chosen));
  return [...chosen];
}
