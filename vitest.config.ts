import { defineConfig } from 'vitest/config';

// Three layers, one config: `vitest run --project unit|integration|e2e`.
// integration and e2e share one real environment (control plane, kwok, registries) started once per run
// by test/testenv/global-setup.ts and torn down even when tests fail.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{common,domain,controller,operator,webhook,crds,bin,test/unit}/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/integration/**', 'test/e2e/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/testenv/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One shared cluster: files run one after another in a single worker.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/testenv/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // One shared cluster: files run one after another in a single worker.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
