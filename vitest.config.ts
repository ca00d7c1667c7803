import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages are imported from source (the "source" export condition), so tests
// never need a build first.
const conditions = ['source', ...defaultServerConditions];

const testsOf = (suffix: string): string[] => [
  `packages/*/test/**/*${suffix}`,
  `apps/*/test/**/*${suffix}`,
  `test/**/*${suffix}`,
];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
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
