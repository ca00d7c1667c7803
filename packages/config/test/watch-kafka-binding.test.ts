import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  watchKafkaBinding,
  type ConfigWatch,
  type KafkaBinding,
} from '../src/index.js';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PASSWORD,
  expectNoPassword,
  kubernetesSecretDir,
  removeTempDirs,
  saslOf,
  sleep,
  tempDir,
  walkthroughFiles,
  load,
} from './helpers.js';

const ROTATED = 'r0tated-PASSWORD-value';
const DEBOUNCE_MS = 20;
// Long enough for fs events plus the debounce to have fired if they were going to.
const QUIET_MS = 300;
const WAIT = { timeout: 3000, interval: 10 };

const watches: ConfigWatch[] = [];

afterEach(() => {
  for (const watch of watches.splice(0)) watch.close();
  removeTempDirs();
});

/** The walkthrough Secret in a temp dir laid out by the kubelet, already loaded and watched. */
function watchedSecret() {
  const secret = kubernetesSecretDir(walkthroughFiles());
  const env = { KAFKA_BINDING_DIR: secret.dir };
  const initial = load(env);
  const onChange = vi.fn<(config: KafkaBinding) => void>();
  const onError = vi.fn<(error: unknown) => void>();
  const watch = watchKafkaBinding(initial, { onChange, onError, debounceMs: DEBOUNCE_MS }, env);
  watches.push(watch);
  return { secret, initial, onChange, onError, watch };
}

function lastChange(onChange: { mock: { calls: [KafkaBinding][] } }): KafkaBinding {
  const call = onChange.mock.calls.at(-1);
  if (!call) throw new Error('onChange was not called');
  return call[0];
}

describe('watchKafkaBinding on a Secret volume', () => {
  it('starts from the Secret as mounted', () => {
    const { initial } = watchedSecret();
    expect(saslOf(initial.kafkaConfig()).password).toBe(PASSWORD);
  });

  it('reports the rotated password after the kubelet swaps ..data', async () => {
    const { secret, onChange, onError } = watchedSecret();
    secret.swap({ ...walkthroughFiles(), password: `${ROTATED}\n` });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalled(), WAIT);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(saslOf(lastChange(onChange).kafkaConfig()).password).toBe(ROTATED);
    expect(onError).not.toHaveBeenCalled();
  });

  it('reports a broken update as an error and keeps quiet about a change', async () => {
    const { secret, onChange, onError } = watchedSecret();
    secret.swap({
      ...walkthroughFiles(),
      password: `${ROTATED}\n`,
      brokers: 'moped-01.srvs.cloudkafka.com\n',
    });
    await vi.waitFor(() => expect(onError).toHaveBeenCalled(), WAIT);
    const [error] = onError.mock.calls[0] ?? [];
    expect(error).toBeInstanceOf(ConfigError);
    expect(error instanceof ConfigError && error.key).toBe('brokers');
    expectNoPassword(String(error), ROTATED);
    await sleep(QUIET_MS);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('recovers when a broken update is fixed', async () => {
    const { secret, onChange, onError } = watchedSecret();
    secret.swap({ ...walkthroughFiles(), brokers: 'no-port\n' });
    await vi.waitFor(() => expect(onError).toHaveBeenCalled(), WAIT);
    secret.swap({ ...walkthroughFiles(), password: `${ROTATED}\n` });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalled(), WAIT);
    expect(saslOf(lastChange(onChange).kafkaConfig()).password).toBe(ROTATED);
  });

  it('does not report a swap that changes nothing the client connects with', async () => {
    const { secret, onChange, onError } = watchedSecret();
    secret.swap(walkthroughFiles());
    await sleep(QUIET_MS);
    expect(onChange).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
    // Proves the watch was live all along, so the silence above meant "no change".
    secret.swap({ ...walkthroughFiles(), password: `${ROTATED}\n` });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1), WAIT);
  });

  it('compares with the last reported config, not the first', async () => {
    const { secret, onChange } = watchedSecret();
    secret.swap({ ...walkthroughFiles(), password: `${ROTATED}\n` });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1), WAIT);
    secret.swap({ ...walkthroughFiles(), password: `${ROTATED}\n` });
    await sleep(QUIET_MS);
    expect(onChange).toHaveBeenCalledTimes(1);
    secret.swap(walkthroughFiles());
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(2), WAIT);
    expect(saslOf(lastChange(onChange).kafkaConfig()).password).toBe(PASSWORD);
  });

  it('stops reporting once closed', async () => {
    const { secret, onChange, onError, watch } = watchedSecret();
    watch.close();
    secret.swap({ ...walkthroughFiles(), password: `${ROTATED}\n` });
    await sleep(QUIET_MS);
    expect(onChange).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('watchKafkaBinding without a binding directory', () => {
  it('returns a watch that does nothing, as there are no files to watch', async () => {
    const config = load({ KAFKA_BROKERS: 'localhost:9092' });
    expect(config.bindingDir).toBeUndefined();
    const onChange = vi.fn<(config: KafkaBinding) => void>();
    const onError = vi.fn<(error: unknown) => void>();
    const watch = watchKafkaBinding(
      config,
      { onChange, onError, debounceMs: DEBOUNCE_MS },
      { KAFKA_BROKERS: 'other:9092' },
    );
    await sleep(QUIET_MS);
    expect(onChange).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
    expect(() => watch.close()).not.toThrow();
  });
});

describe('watchKafkaBinding on a subfolder of a Secret volume (the binding directory is a link)', () => {
  it('sees every rotation, not only the first, though each swap deletes the link target it watched', async () => {
    // root/..<version>/kafka/<key>, root/..data -> ..<version>, root/kafka -> ..data/kafka
    const root = tempDir();
    const writeVersion = (version: string, password: string): void => {
      mkdirSync(join(root, version, 'kafka'), { recursive: true });
      for (const [key, value] of Object.entries({
        ...walkthroughFiles(),
        password: `${password}\n`,
      }))
        writeFileSync(join(root, version, 'kafka', key), value);
    };
    writeVersion('..v0', PASSWORD);
    symlinkSync('..v0', join(root, '..data'));
    symlinkSync(join('..data', 'kafka'), join(root, 'kafka'));
    const env = { KAFKA_BINDING_DIR: join(root, 'kafka') };
    const onChange = vi.fn<(config: KafkaBinding) => void>();
    watches.push(watchKafkaBinding(load(env), { onChange, debounceMs: DEBOUNCE_MS }, env));

    for (let i = 1; i <= 3; i++) {
      writeVersion(`..v${i}`, `${ROTATED}-${i}`);
      symlinkSync(`..v${i}`, join(root, '..data_tmp'));
      renameSync(join(root, '..data_tmp'), join(root, '..data'));
      rmSync(join(root, `..v${i - 1}`), { recursive: true });
      await vi.waitFor(
        () => expect(saslOf(lastChange(onChange).kafkaConfig()).password).toBe(`${ROTATED}-${i}`),
        WAIT,
      );
    }
    expect(onChange).toHaveBeenCalledTimes(3);
  });
});
