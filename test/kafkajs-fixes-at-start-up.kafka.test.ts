import { afterEach, describe, expect, it } from 'vitest';
import { spawnApp, type SpawnedApp } from './support/spawn-app.js';

// An unfixed kafkajs: required before the app's own code, as a stray `import 'kafkajs'` would.
const UNFIXED = { KAFKA_BROKERS: '127.0.0.1:9', NODE_OPTIONS: '--require=kafkajs' };

describe('an app whose kafkajs was loaded before its fixes', () => {
  const running: SpawnedApp[] = [];
  afterEach(() =>
    running.splice(0).forEach((app) => {
      app.kill();
    }),
  );

  it.each(['producer', 'consumer'] as const)(
    'the %s refuses to start and names the missing fixes',
    async (name) => {
      const app = await spawnApp(name, UNFIXED, false);
      running.push(app);
      expect(await app.exited).toBe(1);
      expect(app.output()).toMatch(/kafkajs fixes not applied: send-messages-retry-overlap/);
      expect(app.output()).toMatch(/kafkajs was loaded before @demo-kafka\/kafka-client/);
    },
  );
});
