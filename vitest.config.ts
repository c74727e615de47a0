import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here: keep the Chrome and interop suites from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
