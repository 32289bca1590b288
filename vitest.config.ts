import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: analysis tests start worker processes of their own.
    maxWorkers: 2,
    env: { LANCEDB_LOG: 'error' },
  },
});
