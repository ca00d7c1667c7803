import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Workspace packages are imported from source, so tests never need a build first.
const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

const testsOf = (suffix: string): string[] => [
  `packages/*/test/**/*${suffix}`,
  `apps/*/test/**/*${suffix}`,
  `test/**/*${suffix}`,
];

export default defineConfig({
  resolve: {
    alias: {
      '@demo-kafka/config': source('./packages/config/src/index.ts'),
      '@demo-kafka/kafka-client': source('./packages/kafka-client/src/index.ts'),
      '@demo-kafka/app-kit': source('./packages/app-kit/src/index.ts'),
      '@demo-kafka/local-kafka': source('./packages/local-kafka/src/index.ts'),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: testsOf('.test.ts'),
          exclude: testsOf('.kafka.test.ts'),
        },
      },
      {
        // Tests that talk to a real broker: one is started for the whole run and stopped after it.
        extends: true,
        test: {
          name: 'kafka',
          include: testsOf('.kafka.test.ts'),
          globalSetup: ['test/setup/local-kafka.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
