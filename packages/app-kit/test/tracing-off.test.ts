import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceProcessArgs } from '../../../scripts/source-process.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts tracing in a fresh process with `env` alone; whether it is on, and the OpenTelemetry packages then loaded. */
function probe(env: Record<string, string>): { on: boolean; packages: string[] } {
  const out = execFileSync(
    process.execPath,
    sourceProcessArgs('packages/app-kit/test/fixtures/opentelemetry-modules.ts'),
    { cwd: repo, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { on: boolean; packages: string[] };
}

// A fresh tsx process each, which loads the whole SDK in the last one: seconds on a busy machine.
describe('tracing off costs nothing: the SDK is not loaded', { timeout: 60_000 }, () => {
  // Which variables turn it on is tracing-requested.test.ts's; here, what off and on load.
  it('without OTEL_* variables only the API (a no-op without an SDK) is loaded', () => {
    expect(probe({})).toEqual({ on: false, packages: ['@opentelemetry/api'] });
  });

  it('while a variable that asks for traces loads the SDK (the server spans are our own)', () => {
    const { on, packages } = probe({ OTEL_TRACES_EXPORTER: 'console' });
    expect(on).toBe(true);
    expect(packages).toEqual(
      expect.arrayContaining(['@opentelemetry/sdk-node', '@opentelemetry/sdk-trace-base']),
    );
    expect(packages).not.toContain('@opentelemetry/instrumentation-http');
  });
});
