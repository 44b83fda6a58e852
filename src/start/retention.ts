import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/connect.ts';
import { coerceError } from '../shared/errors.ts';
import { pruneIdempotencyBatch } from '../shared/idempotency-retention.ts';
import type { Logger } from '../shared/logger.ts';
import { type Periodic, runPeriodically } from '../shared/periodic.ts';
import { pruneEventBatch } from '../webhooks/event-retention.ts';

// A pass every 10 minutes keeps what is due small (at 1,000 events/s, 600k rows), so no pass is long.
const RETENTION_INTERVAL_MS = 10 * 60_000;
// Between two delete batches: leaves Postgres to the dialing and the webhooks in between.
const BATCH_PAUSE_MS = 20;

export interface RetentionDays {
  /** Raw events (call_events) older than this are deleted. */
  eventDays: number;
  /** Idempotency keys older than this are deleted. */
  idempotencyDays: number;
}

/**
 * The retention loop of a worker process: each pass deletes old events and old idempotency keys
 * in small batches until none is left, pausing between batches, and stops early when closed.
 */
export function startRetention(
  deps: { db: Db; logger: Logger },
  days: RetentionDays,
  intervalMs: number = RETENTION_INTERVAL_MS,
): Periodic {
  const log = deps.logger.child({ component: 'retention' });
  let closed = false;
  const drainAll = async (prune: () => Promise<number>): Promise<number> => {
    let total = 0;
    for (let deleted = await prune(); deleted > 0 && !closed; deleted = await prune()) {
      total += deleted;
      await sleep(BATCH_PAUSE_MS);
    }
    return total;
  };
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
