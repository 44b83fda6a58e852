import { applyEvent } from '../calls/apply-event.ts';
import type { EventPlan } from '../calls/event-plan.ts';
import type { Db } from '../db/connect.ts';
import type { ParsedEvent } from './event-payload.ts';

export type ReceiveResult =
  | { stored: true; attemptFound: boolean; applied: EventPlan['kind'] | null }
  | { stored: false; duplicate: true };

/**
 * Stores one event and applies it to its attempt in one transaction: either both happen or
 * neither (a failure answers 5xx and the gateway delivers again). The attempt row is locked
 * first, so two events of one call never interleave and the unique dedupe key settles a
 * redelivery racing its original. An event for an unknown attempt is stored unlinked.
 */
export async function receiveEvent(db: Db, attemptId: string, event: ParsedEvent): Promise<ReceiveResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storeAndApply(db, attemptId, event);
    } catch (err) {
      if (attempt >= RETRIES_ON_CONFLICT || !isRetryable(err)) throw err;
    }
  }
}

// Locks are taken in one order (attempt, counters by key, recipient), so a deadlock should not
// happen; if Postgres still picks this transaction as a victim, running it again is safe.
const RETRIES_ON_CONFLICT = 3;
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40P01', '40001']);

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

async function storeAndApply(db: Db, attemptId: string, event: ParsedEvent): Promise<ReceiveResult> {
  return db.transaction().execute(async (trx) => {
    const attempt = await trx
      .selectFrom('call_attempts')
      .select('id')
      .where('id', '=', attemptId)
      .forUpdate()
      .executeTakeFirst();
    const inserted = await trx
      .insertInto('call_events')
      .values({
        attempt_id: attempt?.id ?? null,
        call_uuid: event.callUuid,
        status: event.status,
        event_at: event.eventAt,
        dedupe_key: event.dedupeKey,
        payload: JSON.stringify(event.payload),
      })
      .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { stored: false, duplicate: true };
    if (!attempt) return { stored: true, attemptFound: false, applied: null };
    const result = await applyEvent(trx, attemptId, event);
    return { stored: true, attemptFound: true, applied: result.found ? result.plan : null };
  });
}
