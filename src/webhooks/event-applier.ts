import { sql } from 'kysely';
import { type AttemptEventInput, applyEventBatch } from '../calls/apply-event.ts';
import type { AttemptOwners } from '../calls/attempt-owners.ts';
import type { Db } from '../db/connect.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { countAppliedEvents } from '../shared/metrics.ts';
import { type Periodic, runPeriodically } from '../shared/periodic.ts';
import { parseEvent } from './event-payload.ts';

export interface ApplierOptions {
  /** Pending events read per round; default 500. */
  batchSize?: number;
  /** Attempts applied per transaction; default 100. */
  attemptsPerTransaction?: number;
  /** Where a failed transaction is reported; its events stay pending for a later round. */
  logger?: Logger;
  /** Settles the recipient or reminder run of each attempt an event ends. */
  owners: AttemptOwners;
}

/**
 * Applies every pending event (stored, queued) to its attempt and returns how many were
 * applied. A transaction takes up to `attemptsPerTransaction` attempts: it takes their events
 * off call_event_queue (another applier skips them) and applies them in arrival order. So each
 * event is applied exactly once with several appliers (API processes) running, and a failure
 * puts them back for the next round. Transactions run one after another, so one process's
 * rounds never wait on each other's counter rows.
 */
export async function applyPendingEvents(db: Db, options: ApplierOptions): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const perTransaction = options.attemptsPerTransaction ?? 100;
  let applied = 0;
  for (;;) {
    const pending = await db
      .selectFrom('call_event_queue')
      .select('attempt_id')
      .orderBy('event_id')
      .limit(batchSize)
      .execute();
    const attemptIds = [...new Set(pending.map((row) => row.attempt_id))];
    if (attemptIds.length === 0) return applied;
    let round = 0;
    for (let start = 0; start < attemptIds.length; start += perTransaction) {
      const chunk = attemptIds.slice(start, start + perTransaction);
      round += await applyChunk(db, chunk, options.owners).catch(async (err: unknown) => {
        // A deadlock victim or an outage: the events stay pending and a later round retries.
        // Attempt by attempt, so one attempt that cannot be applied holds up only its own events.
        options.logger?.warn({ err: coerceError(err), attempts: chunk.length }, 'applying events failed');
        if (chunk.length === 1) return 0;
        let alone = 0;
        for (const id of chunk) alone += await applyChunk(db, [id], options.owners).catch(() => 0);
        return alone;
      });
    }
    applied += round;
    countAppliedEvents(round);
    if (round === 0 || pending.length < batchSize) return applied;
  }
}

async function applyChunk(db: Db, attemptIds: readonly string[], owners: AttemptOwners): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Taking the queue rows is the claim: another applier skips them, and a rollback puts
    // them back.
    const { rows: claimed } = await sql<{ event_id: string }>`
      delete from call_event_queue
      where event_id in (
        select event_id from call_event_queue where attempt_id in (${sql.join(attemptIds)})
        for update skip locked)
      returning event_id`.execute(trx);
    if (claimed.length === 0) return 0;
    const events = await trx
      .selectFrom('call_events')
      .select(['id', 'attempt_id', 'payload'])
      .where(
        'id',
        'in',
        claimed.map((row) => row.event_id),
      )
      .orderBy('id')
      .execute();
    const byAttempt = new Map<string, AttemptEventInput[]>();
    for (const event of events) {
      // The receiver queues only payloads that parse; a row written another way that does not
      // parse can move nothing, and leaves the queue with the rest.
      const parsed = parseStored(event.payload);
      if (!parsed || !event.attempt_id) continue;
      const list = byAttempt.get(event.attempt_id) ?? [];
      list.push(parsed);
      byAttempt.set(event.attempt_id, list);
    }
    await applyEventBatch(trx, byAttempt, owners);
    return claimed.length;
  });
}

function parseStored(payload: unknown): AttemptEventInput | undefined {
  try {
    return parseEvent(payload);
  } catch {
    return undefined;
  }
}

/**
 * Runs applyPendingEvents when woken (the receiver stored an event) and every `pollMs` (events
 * stored by another process, or left by a failed round). One round at a time.
 */
export function startEventApplier(db: Db, options: ApplierOptions & { pollMs?: number }): Periodic {
  // Half a second: a callback's effect shows within it even when another process stored it.
  const pollMs = options.pollMs ?? 500;
  return runPeriodically(async () => {
    try {
      await applyPendingEvents(db, options);
    } catch (err) {
      options.logger?.error({ err: coerceError(err) }, 'event applier round failed');
    }
  }, pollMs);
}
