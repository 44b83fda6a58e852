import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/connect.ts';
import { coerceError } from '../shared/errors.ts';
import { pruneIdempotencyBatch } from '../shared/idempotency-retention.ts';
import type { Logger } from '../shared/logger.ts';
import { type Periodic, runPeriodically } from '../shared/periodic.ts';
import { pruneEventBatch } from '../webhooks/event-retention.ts';

// A pass every 10 minutes keeps what is due small (at 1,000 events/s, 600k rows), so no pass is long.
const RETENTION_INTERVAL_MS = 10 * 60_000;
// After each delete batch, pause this many times as long as the batch took: retention uses at most
// a fifth of one Postgres backend, so dialing and webhook ingestion keep the rest. A day's events
// at the full rate are ~1M rows; at ~5,000 rows/s paced this way they go in a few minutes.
const PAUSE_PER_BATCH_TIME = 4;
// The shortest pause between two batches, in ms.
const MIN_PAUSE_MS = 20;

/**
 * Calls `prune` (one batch; returns rows deleted) until it deletes nothing or `stop()` says so,
 * pacing batches as above. Returns the rows deleted.
 */
export async function pruneInBatches(prune: () => Promise<number>, stop: () => boolean = () => false): Promise<number> {
  let total = 0;
  while (!stop()) {
    const started = performance.now();
    const deleted = await prune();
    if (deleted === 0) break;
    total += deleted;
    await sleep(Math.max(MIN_PAUSE_MS, (performance.now() - started) * PAUSE_PER_BATCH_TIME));
  }
  return total;
}

export interface RetentionDays {
  /** Raw events (call_events) older than this are deleted. */
  eventDays: number;
  /** Idempotency keys older than this are deleted. */
  idempotencyDays: number;
}

/**
 * The retention loop of a worker process: each pass deletes old events and old idempotency keys
 * in small paced batches until none is left, and stops early when closed.
 */
export function startRetention(
  deps: { db: Db; logger: Logger },
  days: RetentionDays,
  intervalMs: number = RETENTION_INTERVAL_MS,
): Periodic {
  const log = deps.logger.child({ component: 'retention' });
  let closed = false;
  const drainAll = (prune: () => Promise<number>) => pruneInBatches(prune, () => closed);
  const loop = runPeriodically(async () => {
    try {
      const events = await drainAll(() => pruneEventBatch(deps.db, days.eventDays));
      const idempotencyKeys = await drainAll(() => pruneIdempotencyBatch(deps.db, days.idempotencyDays));
      if (events + idempotencyKeys > 0) log.info({ events, idempotencyKeys }, 'old rows pruned');
    } catch (thrown) {
      log.warn({ err: coerceError(thrown).message }, 'retention pass failed');
    }
  }, intervalMs);
  return {
    wake: () => loop.wake(),
    close() {
      closed = true;
      return loop.close();
    },
  };
}
