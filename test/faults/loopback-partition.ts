import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The comment on every rule and jump we add, so a leftover from a crashed run can be found. */
export const RULE_COMMENT = 'demo-kafka-nemesis';
/** Our chains are named with this prefix and the owning process id (iptables allows 28 characters). */
const CHAIN_PREFIX = 'DKNEMESIS-';

const iptables = (...args: string[]): string =>
  execFileSync('iptables', ['-w', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const quietly = (...args: string[]): boolean => {
  try {
    iptables(...args);
    return true;
  } catch {
    return false;
  }
};

/** The name of the chain process `pid` cuts in. */
export function chainOf(pid: number): string {
  return `${CHAIN_PREFIX}${pid}`;
}

/** Whether this process may change the firewall (root, iptables installed). */
export function canPartition(): boolean {
  try {
    iptables('-S', 'INPUT');
    return true;
  } catch {
    return false;
  }
}

/**
 * Drops loopback TCP traffic of chosen ports (a network partition on one machine), in an iptables
 * chain of this process's own that is jumped to from INPUT. Every cut is undone by `heal()`,
 * `close()` removes the chain, and both also run when the process exits however it ends.
 * Chains left by a process that died without cleaning up are removed when the next one starts.
 */
export class LoopbackPartition {
  readonly chain = chainOf(process.pid);
  #open = false;
  /** The cgroups made by cutProcessTo, to undo. */
  readonly #cgroups = new Set<string>();
  readonly #onExit = (): void => this.close();

  constructor() {
    removeLeftovers();
  }

  #ensureChain(): void {
    if (this.#open) return;
    quietly('-N', this.chain);
    for (const [hook, side] of JUMPS)
      iptables(
        '-I',
        hook,
        side,
        'lo',
        '-m',
        'comment',
        '--comment',
        RULE_COMMENT,
        '-j',
        this.chain,
      );
    this.#open = true;
    process.once('exit', this.#onExit);
  }

  /** Drops every packet to or from these ports (both ends of every connection through them). */
  cutPorts(ports: readonly number[]): void {
    for (const port of ports) {
      this.#drop('--dport', String(port));
      this.#drop('--sport', String(port));
    }
  }

  /** Drops one connection, both ways, by its two ports. */
  cutConnection(localPort: number, remotePort: number): void {
    this.#drop('--sport', String(localPort), '--dport', String(remotePort));
    this.#drop('--sport', String(remotePort), '--dport', String(localPort));
  }

  /**
   * Drops every packet process `pid` sends to these ports, on the connections it opens from now
   * on too: the process is moved into a cgroup (v2) of its own, which a rule matches as packets
   * leave. A process that reconnects gets through a cut of its known connections for the moment
   * it takes to list them; this leaves no such moment. False where no cgroup v2 can be made (the
   * caller then cuts connections as it finds them).
   */
  cutProcessTo(pid: number, ports: readonly number[]): boolean {
    const root = cgroup2Root();
    if (root === undefined) return false;
    const name = `${this.chain}-${pid}`;
    try {
      mkdirSync(join(root, name), { recursive: true });
      writeFileSync(join(root, name, 'cgroup.procs'), String(pid));
    } catch {
      releaseCgroup(root, name);
      return false;
    }
    this.#cgroups.add(name);
    for (const port of ports) this.#drop('--dport', String(port), '-m', 'cgroup', '--path', name);
    return true;
  }

  /** Appends a rule that drops the TCP packets `match` selects. */
  #drop(...match: string[]): void {
    this.#ensureChain();
    iptables(
      '-A',
      this.chain,
      '-p',
      'tcp',
      ...match,
      '-m',
      'comment',
      '--comment',
      RULE_COMMENT,
      '-j',
      'DROP',
    );
  }

  /** The rules now in force, as `iptables -S` prints them. */
  rules(): string[] {
    if (!this.#open) return [];
    return iptables('-S', this.chain)
      .split('\n')
      .filter((line) => line.startsWith('-A'));
  }

  /** Removes every cut (the chain stays for the next one). */
  heal(): void {
    if (this.#open) quietly('-F', this.chain);
    this.#releaseCgroups();
  }

  /** Removes every cut and the chain itself. */
  close(): void {
    this.#releaseCgroups();
    if (!this.#open) return;
    this.#open = false;
    process.off('exit', this.#onExit);
    removeChain(this.chain);
  }

  #releaseCgroups(): void {
    const root = cgroup2Root();
    if (root !== undefined) for (const name of this.#cgroups) releaseCgroup(root, name);
    this.#cgroups.clear();
  }
}

/** Where our chain is jumped to from: loopback packets as they arrive, and as they leave (cgroup rules). */
const JUMPS = [
  ['INPUT', '-i'],
  ['OUTPUT', '-o'],
] as const;

function removeChain(chain: string): void {
  for (const [hook, side] of JUMPS)
    while (
      quietly('-D', hook, side, 'lo', '-m', 'comment', '--comment', RULE_COMMENT, '-j', chain)
    );
  quietly('-F', chain);
  quietly('-X', chain);
}

/** The mount point of the cgroup v2 hierarchy, if any. */
function cgroup2Root(): string | undefined {
  try {
    const mount = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[2] === 'cgroup2');
    return mount?.[1];
  } catch {
    return undefined;
  }
}

/** Moves the processes of cgroup `name` back to the root one and removes it. */
function releaseCgroup(root: string, name: string): void {
  try {
    const procs = readFileSync(join(root, name, 'cgroup.procs'), 'utf8').split('\n');
    for (const pid of procs.filter(Boolean))
      try {
        writeFileSync(join(root, 'cgroup.procs'), pid);
      } catch {
        // It exited meanwhile.
      }
    rmdirSync(join(root, name));
  } catch {
    // Already gone.
  }
}

/** Removes the chains of processes that no longer run (a run killed before it could clean up). */
export function removeLeftovers(): string[] {
  let listing = '';
  try {
    listing = iptables('-S');
  } catch {
    return [];
  }
  const chains = [
    ...new Set(
      [...listing.matchAll(new RegExp(`${CHAIN_PREFIX}(\\d+)`, 'g'))].map((m) => ({
        name: m[0],
        pid: Number(m[1]),
      })),
    ),
  ];
  const removed: string[] = [];
  for (const { name, pid } of chains) {
    if (removed.includes(name) || isAlive(pid)) continue;
    removeChain(name);
    removed.push(name);
  }
  const root = cgroup2Root();
  if (root !== undefined)
    for (const name of readdirSafe(root)) {
      const owner = new RegExp(`^${CHAIN_PREFIX}(\\d+)-\\d+$`).exec(name)?.[1];
      if (owner !== undefined && !isAlive(Number(owner))) releaseCgroup(root, name);
    }
  return removed;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The TCP connections process `pid` opened to any of `remotePorts`: [its local port, the remote port]. */
export function outgoingConnections(
  pid: number,
  remotePorts: readonly number[],
): Array<[number, number]> {
  const wanted = new Set(remotePorts);
  const out = execFileSync('ss', ['-tnpH'], { encoding: 'utf8' });
  const found: Array<[number, number]> = [];
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const [, , , local, remote] = line.trim().split(/\s+/);
    const localPort = Number(local?.split(':').at(-1));
    const remotePort = Number(remote?.split(':').at(-1));
    if (wanted.has(remotePort)) found.push([localPort, remotePort]);
  }
  return found;
}
