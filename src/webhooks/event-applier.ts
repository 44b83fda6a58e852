import { applyEvents } from '../calls/apply-event.ts';
import type { Db } from '../db/connect.ts';
import { coerceError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { parseEvent } from './event-payload.ts';

export interface ApplierOptions {
  /** Pending events read per round; default 500. */
  batchSize?: number;
  /** Attempts applied at once, each in its own transaction; default 4 (the pool has ≥ 5). */
  parallel?: number;
  /** Where a failed attempt is reported; its events stay pending for a later round. */
  logger?: Logger;
}

/**
 * Applies every pending event (stored, not yet applied) to its attempt and returns how many
 * were applied. Each attempt is one transaction: lock the attempt, re-read its pending events
 * under that lock, apply them in arrival order, mark them applied. So an event is applied
 * exactly once even with several appliers (API processes) running, and a crash in between
 * leaves it pending for the next round.
 */
export async function applyPendingEvents(db: Db, options: ApplierOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let applied = 0;
  for (;;) {
    const pending = await db
      .selectFrom('call_events')
      .select('attempt_id')
      .where('applied_at', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    const attemptIds = [...new Set(pending.map((row) => row.attempt_id).filter((id) => id !== null))];
    if (attemptIds.length === 0) return applied;
    const counts = await mapLimit(attemptIds, options.parallel ?? 4, (id) =>
      applyForAttempt(db, id).catch((err: unknown) => {
        // A deadlock victim or an outage: the events stay pending and a later round retries.
        options.logger?.warn({ err: coerceError(err), attemptId: id }, 'applying events failed');
        return 0;
      }),
    );
    const round = counts.reduce((sum, n) => sum + n, 0);
    applied += round;
    if (round === 0 || pending.length < batchSize) return applied;
  }
}

async function applyForAttempt(db: Db, attemptId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Locking the pending rows makes a second applier wait here, then find them applied.
    const events = await trx
      .selectFrom('call_events')
      .select(['id', 'payload'])
      .where('attempt_id', '=', attemptId)
      .where('applied_at', 'is', null)
      .orderBy('id')
      .forUpdate()
      .execute();
    if (events.length === 0) return 0;
    // The payload passed parseEvent when it was stored; parsing again is deterministic.
    await applyEvents(
      trx,
      attemptId,
      events.map((event) => parseEvent(event.payload)),
    );
    await trx
      .updateTable('call_events')
      .set({ applied_at: new Date() })
      .where(
        'id',
        'in',
        events.map((event) => event.id),
      )
      .execute();
    return events.length;
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface EventApplier {
  /** Asks for a round soon (after the receiver stored an event). */
  wake(): void;
  /** Stops the loop and waits for a running round; idempotent. */
  close(): Promise<void>;
}

/**
 * Runs applyPendingEvents when woken and every `pollMs` (events stored by another process, or
 * left by a failed round). One round at a time; a wake during a round schedules one more.
 */
export function startEventApplier(db: Db, logger: Logger, options: ApplierOptions & { pollMs?: number } = {}) {
  // Half a second: a callback's effect shows within it even when another process stored it.
  const pollMs = options.pollMs ?? 500;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(wake, pollMs);
    timer.unref();
  };
  const round = async () => {
    try {
      await applyPendingEvents(db, { logger, ...options });
    } catch (err) {
      logger.error({ err: coerceError(err) }, 'event applier round failed');
    }
  };
  function wake(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await round();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
      schedule();
    });
  }
  let closing: Promise<void> | undefined;
  const applier: EventApplier = {
    wake,
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        await running;
      })();
      return closing;
    },
  };
  schedule();
  return applier;
}
