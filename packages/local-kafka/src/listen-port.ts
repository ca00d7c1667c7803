import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's range of ephemeral (outgoing) ports; Linux's default when it cannot be read. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: assume its default
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
