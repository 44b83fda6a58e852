import { afterAll, beforeAll, expect } from 'vitest';
import { type HandleCounts, handlesLeftAfter, openHandles } from './open-handles.ts';

/**
 * A test file must close what it opens: a worker, limiter, pool, Redis connection, server,
 * child process or interval left behind keeps running into the next file (graphile/worker
 * fails its suite the same way). Compares the process's active handles after the file's own
 * `afterAll` hooks with those before its first test.
 */
// Sockets and child processes being closed report their end a few turns of the loop later; on a
// loaded CI machine a pool ended just after a Postgres outage took over 2 s to let its sockets go.
// A real leak stays open for good, so waiting up to 5 s for teardown costs nothing when clean.
const GRACE_MS = 5_000;

let before: HandleCounts;

beforeAll(() => {
  before = openHandles();
});

// Registered first, so it runs after the file's own afterAll hooks (they run in reverse order).
afterAll(async () => {
  const left = await handlesLeftAfter(before, GRACE_MS);
  expect(left, 'handles left open by this test file (close workers, pools, servers, timers)').toEqual({});
});
