import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRange, freeListenPorts } from '../src/listen-port.js';

describe('freeListenPorts', () => {
  it('gives distinct free ports below the ephemeral range, which a listener can bind', async () => {
    const [ephemeralLow] = ephemeralRange();
    const ports = await freeListenPorts(9);
    expect(new Set(ports).size).toBe(9);
    for (const port of ports) {
      expect(port).toBeLessThan(ephemeralLow);
      expect(port).toBeGreaterThanOrEqual(10_000);
      await new Promise<void>((resolve, reject) => {
        const server = createServer().once('error', reject);
        server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
      });
    }
  });

  it("reads the ephemeral range where the system keeps it (Linux's /proc, macOS's sysctl), else assumes the lowest default", () => {
    expect(ephemeralRange(() => '49152\t65535\n')).toEqual([49152, 65535]);
    expect(
      ephemeralRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual([32768, 60999]);
    expect(ephemeralRange(() => 'garbage')).toEqual([32768, 60999]);
    const [low, high] = ephemeralRange();
    expect(low).toBeGreaterThan(1023);
    expect(high).toBeGreaterThanOrEqual(low);
  });
});
