import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBrokerTls } from '@demo-kafka/local-kafka';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../src/lifecycle/serve.js';
import { readTlsCredentials, tlsFilesOf } from '../src/lifecycle/tls-settings.js';
import { createLogger } from '../src/logger.js';

/** Two CAs, each with a certificate for localhost and 127.0.0.1 (broker.pem, broker.key, ca.pem). */
let root: string;
let first: string;
let second: string;

/** GET / over HTTPS trusting `ca` only: the status, or the TLS error's code. */
function get(port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', ca, servername: 'localhost', agent: false },
      (res) => {
        res.resume();
        resolve(String(res.statusCode));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'https-listener-'));
  first = join(root, 'first');
  second = join(root, 'second');
  await createBrokerTls(first);
  await createBrokerTls(second);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the HTTPS listener', () => {
  it('serves with the files, and takes a renewed certificate without a restart', async () => {
    const served = join(root, 'served');
    rmSync(served, { recursive: true, force: true });
    mkdirSync(served);
    const certFile = join(served, 'tls.crt');
    const keyFile = join(served, 'tls.key');
    copyFileSync(join(first, 'broker.pem'), certFile);
    copyFileSync(join(first, 'broker.key'), keyFile);
    const lines: string[] = [];
    const app = express();
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const running: RunningServer = await serve(app, {
      port: 0,
      host: '127.0.0.1',
      tls: { certFile, keyFile },
      logger: createLogger('t', 'info', { write: (line: string) => void lines.push(line) }),
      onShutdown: async () => {},
    });
    try {
      const caOne = readFileSync(join(first, 'ca.pem'), 'utf8');
      const caTwo = readFileSync(join(second, 'ca.pem'), 'utf8');
      expect(await get(running.port, caOne)).toBe('200');
      expect(await get(running.port, caTwo)).not.toBe('200');
      // A key that is not the certificate's: refused, the old pair stays.
      copyFileSync(join(second, 'broker.key'), keyFile);
      await expect
        .poll(() => lines.some((l) => l.includes('HTTPS certificate not reloaded')), {
          timeout: 5000,
        })
        .toBe(true);
      expect(await get(running.port, caOne)).toBe('200');
      // The renewed pair, as cert-manager writes it.
      copyFileSync(join(second, 'broker.pem'), certFile);
      await expect.poll(() => get(running.port, caTwo), { timeout: 5000 }).toBe('200');
      expect(await get(running.port, caOne)).not.toBe('200');
      expect(lines.join('\n')).not.toContain('PRIVATE KEY');
    } finally {
      await running.shutdown();
    }
  });

  it('refuses half a pair, a file that is not PEM, and a key of another certificate, naming the file only', () => {
    expect(() => tlsFilesOf({ TLS_CERT_FILE: '/x.crt', TLS_KEY_FILE: '' })).toThrow(
      /needs both TLS_CERT_FILE and TLS_KEY_FILE/,
    );
    expect(tlsFilesOf({ TLS_CERT_FILE: '', TLS_KEY_FILE: '' })).toBeUndefined();
    expect(() =>
      readTlsCredentials({
        certFile: join(first, 'broker.key'),
        keyFile: join(first, 'broker.key'),
      }),
    ).toThrow(/holds no PEM certificate/);
    expect(() =>
      readTlsCredentials({
        certFile: join(first, 'broker.pem'),
        keyFile: join(first, 'broker.pem'),
      }),
    ).toThrow(/holds no unencrypted PEM private key/);
    let message = '';
    try {
      readTlsCredentials({
        certFile: join(first, 'broker.pem'),
        keyFile: join(second, 'broker.key'),
      });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/is not the key of the certificate/);
    expect(message).not.toContain('PRIVATE');
    expect(() =>
      readTlsCredentials({
        certFile: join(root, 'missing.crt'),
        keyFile: join(first, 'broker.key'),
      }),
    ).toThrow(/cannot be read: ENOENT/);
  });
});
