import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          // Pure logic beside the code: no Redis, no Postgres, no child processes; seconds.
          name: 'unit',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // Starts real Redis and Postgres once per run (env URLs, testcontainers, or local binaries).
          globalSetup: ['test/support/global-setup.ts'],
          // Fails a file that leaves a socket, server, child process or timer open after its tests.
          setupFiles: ['test/support/leak-check.ts'],
          // Integration tests talk to real servers and real child processes; the defaults are too tight.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
