import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Starts real Redis and Postgres once per run (env URLs, testcontainers, or local binaries).
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests talk to real servers and real child processes; the defaults are too tight.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
