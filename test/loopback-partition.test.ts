import { execFileSync, spawn } from 'node:child_process';
import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canPartition,
  LoopbackPartition,
  outgoingConnections,
  removeLeftovers,
  RULE_COMMENT,
} from './faults/loopback-partition.js';

const rules = (): string => execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' });

/** Resolves true when a TCP connection to `port` opens within `ms`, false when it does not. */
function connects(port: number, ms = 700): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

// The fault campaign's network partitions: root and iptables are needed (CI runs as root; .ci/run installs iptables).
describe.runIf(canPartition())('LoopbackPartition (iptables on the loopback interface)', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('cuts a port until healed, and leaves no rule behind once closed', async () => {
    const partition = new LoopbackPartition();
    try {
      expect(await connects(port)).toBe(true);
      partition.cutPorts([port]);
      expect(partition.rules().length).toBe(2);
      expect(await connects(port)).toBe(false);
      partition.heal();
      expect(await connects(port)).toBe(true);
    } finally {
      partition.close();
    }
    expect(rules()).not.toContain(partition.chain);
  });

  it('cuts one connection by its two ports, and finds a process its own connections', async () => {
    const partition = new LoopbackPartition();
    const socket = connect({ host: '127.0.0.1', port });
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      const mine = outgoingConnections(process.pid, [port]);
      expect(mine).toContainEqual([socket.localPort, port]);
      partition.cutConnection(socket.localPort ?? 0, port);
      expect(
        partition
          .rules()
          .some(
            (rule) =>
              rule.includes(`--sport ${socket.localPort}`) && rule.includes(`--dport ${port}`),
          ),
      ).toBe(true);
    } finally {
      socket.destroy();
      partition.close();
    }
  });

  it('cuts what one process sends to a port, new connections included, not what others send', async (context) => {
    const partition = new LoopbackPartition();
    // A child that tries to connect each time it is told to, and says whether it could.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const net = require('node:net');
         process.stdin.on('data', () => {
           const s = net.connect({ host: '127.0.0.1', port: ${port} });
           const t = setTimeout(() => { s.destroy(); process.stdout.write('no\\n'); }, 700);
           s.once('connect', () => { clearTimeout(t); s.destroy(); process.stdout.write('yes\\n'); });
           s.once('error', () => { clearTimeout(t); process.stdout.write('no\\n'); });
         });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const childConnects = (): Promise<boolean> =>
      new Promise((resolve) => {
        child.stdout.once('data', (data: Buffer) => resolve(data.toString().trim() === 'yes'));
        child.stdin.write('go\n');
      });
    try {
      expect(await childConnects()).toBe(true);
      if (!partition.cutProcessTo(child.pid ?? 0, [port])) context.skip(); // no cgroup v2 here
      expect(await childConnects()).toBe(false);
      expect(await connects(port)).toBe(true);
      partition.heal();
      expect(await childConnects()).toBe(true);
    } finally {
      child.kill();
      partition.close();
    }
  });

  it('removes the chain of a run that died without cleaning up, and keeps those of live ones', () => {
    // A process id that is not running (pid_max is at most 2^22).
    const dead = 'DKNEMESIS-4194305';
    const live = new LoopbackPartition();
    try {
      live.cutPorts([port]);
      execFileSync('iptables', ['-w', '-N', dead]);
      execFileSync('iptables', [
        '-w',
        '-I',
        'INPUT',
        '-i',
        'lo',
        '-m',
        'comment',
        '--comment',
        RULE_COMMENT,
        '-j',
        dead,
      ]);
      expect(removeLeftovers()).toContain(dead);
      expect(rules()).not.toContain(dead);
      expect(rules()).toContain(live.chain);
    } finally {
      live.close();
    }
  });
});
