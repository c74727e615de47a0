import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here: keep the Chrome and interop suites from starving each other.
    maxWorkers: 2,
    // The JSON report feeds the plain 'N passed, N failed' line that .ci/run prints.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest-results.json' }]],
  },
});
