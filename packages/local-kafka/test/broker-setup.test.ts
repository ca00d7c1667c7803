import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDataDir, initialBindingRequest } from '../src/broker-setup.js';
import { brokerCount } from '../src/brokers-option.js';
import { LocalKafkaError, startLocalKafka, startLocalKafkaCluster } from '@demo-kafka/local-kafka';

const dirs: string[] = [];
afterEach(() =>
  dirs.splice(0).forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-setup-'));
  dirs.push(dir);
  return dir;
};

describe('freshDataDir', () => {
  it('removes what an earlier single broker or cluster left (logs and properties with passwords, CAs), whichever starts now', () => {
    const dir = tempDir();
    for (const sub of ['log', 'tls/clients', 'node-1/log', 'node-3', 'node-9'])
      mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'server.properties'), 'user_demo="old-password"');
    writeFileSync(join(dir, 'node-1', 'server.properties'), 'user_demo="old-password"');
    writeFileSync(join(dir, 'broker.log'), 'old');
    mkdirSync(join(dir, 'binding'));
    expect(freshDataDir(dir, 'unused-')).toEqual({ dataDir: dir, ownsDataDir: false });
    // The binding directory is rewritten in place (its ..data link swapped), as a mounted Secret is.
    expect(readdirSync(dir)).toEqual(['binding']);
  });

  it('makes a temp directory it owns when none is given', () => {
    const { dataDir, ownsDataDir } = freshDataDir(undefined, 'broker-setup-own-');
    dirs.push(dataDir);
    expect(ownsDataDir).toBe(true);
    expect(existsSync(dataDir)).toBe(true);
  });
});

describe('initialBindingRequest', () => {
  it("defaults to the walkthrough's binding and each format's usual mode", () => {
    expect(initialBindingRequest({})).toEqual({ format: 'walkthrough', security: 'scram-sha-256' });
    expect(initialBindingRequest({ bindingFormat: 'strimzi-user' })).toEqual({
      format: 'strimzi-user',
      security: 'scram-sha-512',
    });
    expect(initialBindingRequest({ bindingFormat: 'walkthrough', security: 'mtls' })).toEqual({
      format: 'walkthrough',
      security: 'mtls',
    });
  });

  it.each([startLocalKafka, startLocalKafkaCluster])(
    '%o refuses a format and mode no user can have before it makes a directory or starts Java',
    async (start) => {
      const dataDir = join(tempDir(), 'never-made');
      await expect(
        start({ dataDir, bindingFormat: 'strimzi-access', security: 'plain' }),
      ).rejects.toThrow(LocalKafkaError);
      expect(existsSync(dataDir)).toBe(false);
    },
  );
});

describe('brokerCount', () => {
  it('reads a whole number of brokers from 1 to 9', () => {
    expect(brokerCount('1')).toBe(1);
    expect(brokerCount('3')).toBe(3);
    expect(brokerCount(9)).toBe(9);
  });

  it.each(['0', '10', '2.5', 'three', '', ' ', '-1'])('refuses %j, naming the range', (value) => {
    expect(() => brokerCount(value)).toThrow(
      `--brokers takes a whole number from 1 to 9, not "${value}"`,
    );
  });
});
