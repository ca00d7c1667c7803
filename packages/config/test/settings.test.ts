import { hostname } from 'node:os';
import { num, str } from 'envalid';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DEFAULT_PORT,
  LOG_LEVELS,
  baseSettingsSpec,
  readBaseSettings,
  readSettings,
} from '../src/index.js';
import { WALKTHROUGH_DIR, configErrorFrom, load } from './helpers.js';

describe('readBaseSettings', () => {
  it('has a default for everything', () => {
    const settings = readBaseSettings({});
    expect(DEFAULT_PORT).toBe(8080);
    expect(settings.PORT).toBe(8080);
    expect(settings.LOG_LEVEL).toBe('info');
    expect(settings.TOPIC).toBe('default');
    expect(settings.GROUP_ID).toBe('consumer');
    expect(settings.CLIENT_ID).toBe(hostname());
  });

  it('reads PORT as a number', () => {
    const settings = readBaseSettings({ PORT: '3000' });
    expect(settings.PORT).toBe(3000);
    expectTypeOf(settings.PORT).toEqualTypeOf<number>();
  });

  it.each(['abc', '70000', '-1'])('rejects PORT=%s, naming PORT', (value) => {
    const error = configErrorFrom(() => readBaseSettings({ PORT: value }));
    expect(error.key).toBe('PORT');
    expect(error.source).toBe('env PORT');
    expect(error.message).toMatch(/^Invalid setting: PORT: /);
  });

  it.each(LOG_LEVELS)('accepts LOG_LEVEL=%s', (level) => {
    expect(readBaseSettings({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
  });

  it('rejects a LOG_LEVEL pino does not have', () => {
    const error = configErrorFrom(() => readBaseSettings({ LOG_LEVEL: 'verbose' }));
    expect(error.key).toBe('LOG_LEVEL');
    expect(error.message).toMatch(/^Invalid setting: LOG_LEVEL: /);
  });

  it('names every bad variable in one error', () => {
    const error = configErrorFrom(() => readBaseSettings({ PORT: 'abc', LOG_LEVEL: 'verbose' }));
    expect(error.message).toMatch(/^Invalid settings: /);
    expect(error.message).toContain('PORT: ');
    expect(error.message).toContain('LOG_LEVEL: ');
  });

  it('are not read by the binding loader, which takes its names from the caller', () => {
    expect(load({ KAFKA_BINDING_DIR: WALKTHROUGH_DIR, PORT: 'abc', TOPIC: 'ignored' }).topic).toBe(
      'abcd1234-default',
    );
  });
});

describe('readSettings with an app spec built on baseSettingsSpec', () => {
  const appSpec = {
    ...baseSettingsSpec,
    MAX_BATCH: num({ default: 5, desc: 'messages per produce call' }),
    GREETING: str({ default: 'hello' }),
  };

  it('applies the app defaults next to the base ones', () => {
    const settings = readSettings(appSpec, {});
    expect(settings.MAX_BATCH).toBe(5);
    expect(settings.GREETING).toBe('hello');
    expect(settings.PORT).toBe(8080);
    expectTypeOf(settings.MAX_BATCH).toEqualTypeOf<number>();
  });

  it('reads and validates the app variables', () => {
    expect(readSettings(appSpec, { MAX_BATCH: '12' }).MAX_BATCH).toBe(12);
    const error = configErrorFrom(() => readSettings(appSpec, { MAX_BATCH: 'many' }));
    expect(error.key).toBe('MAX_BATCH');
    expect(error.message).toContain('MAX_BATCH');
  });

  it('still validates the base variables', () => {
    expect(configErrorFrom(() => readSettings(appSpec, { PORT: 'abc' })).key).toBe('PORT');
  });
});
