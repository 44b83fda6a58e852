import { sql } from 'kysely';
import { canTransition, isCallStatus } from '../calls/call-status.ts';
import type { Db } from '../db/connect.ts';
import { confirmSend } from './send-check.ts';

/**
 * The attempt-row transitions the worker owns. Each is a compare-and-set on the row, so of two
 * processes holding the same job (a stalled job re-run while its first worker still lives) only
 * one ever dials.
 */

/** queued → dialing, counting the attempt on the recipient. False when someone else claimed it. */
export async function claimAttempt(db: Db, attemptId: string, recipientId: string | null): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('call_attempts')
      .set({ status: 'dialing', dial_started_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', attemptId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) return false;
    if (recipientId) {
      await trx
        .updateTable('recipients')
        .set({ attempt_count: sql`attempt_count + 1` })
        .where('id', '=', recipientId)
        .execute();
    }
    return true;
  });
}

/**
 * Re-claims an attempt left in `dialing` for a redial after reconciliation found no trace of a
 * call: only the process that still sees the same `dial_started_at` wins. The attempt keeps its
 * number; the recipient's count is not raised again.
 */
export async function reclaimForRedial(db: Db, attemptId: string, seenDialStartedAt: Date | null): Promise<boolean> {
  const result = await db
    .updateTable('call_attempts')
    .set({ dial_started_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', attemptId)
    .where('status', '=', 'dialing')
    .where('call_uuid', 'is', null)
    // pg keeps microseconds, a JS Date only milliseconds: compare at millisecond precision.
    .where(
      seenDialStartedAt
        ? sql<boolean>`abs(extract(epoch from dial_started_at) * 1000 - ${seenDialStartedAt.getTime()}) < 1`
        : sql<boolean>`dial_started_at is null`,
    )
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** The `dial_started_at` a claim just wrote, so the claimer can later prove the claim is still its own. */
export async function claimStamp(db: Db, attemptId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('call_attempts')
    .select('dial_started_at')
    .where('id', '=', attemptId)
    .executeTakeFirst();
  return row?.dial_started_at ?? null;
}

/** `confirmSend` as a yes/no: may this claim's request leave now (see send-check.ts)? */
export async function confirmClaimAtSend(db: Db, attemptId: string, claimedAt: Date): Promise<boolean> {
  return (await confirmSend(db, attemptId, claimedAt)).sent;
}

/**
 * dialing → queued when the request certainly never left (limiter refused, 429, connection
 * refused): the try does not count, so the recipient's count goes back down (a redial's claim
 * did not raise it, but the attempt's first claim did, and the next claim will raise it again).
 */
export async function releaseClaim(db: Db, attemptId: string, recipientId: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const released = await trx
      .updateTable('call_attempts')
      .set({ status: 'queued', dial_started_at: null, updated_at: sql`now()` })
      .where('id', '=', attemptId)
      .where('status', '=', 'dialing')
      .where('call_uuid', 'is', null)
      .executeTakeFirst();
    if (released.numUpdatedRows === 1n && recipientId) {
      await trx
        .updateTable('recipients')
        .set({ attempt_count: sql`greatest(attempt_count - 1, 0)` })
        .where('id', '=', recipientId)
        .execute();
    }
  });
}

/**
 * Stores the call's uuid and moves the attempt to `started`, unless a webhook (which can beat
 * the create-call response) already moved it further: then only the uuid is filled in.
 */
export async function markStarted(
  db: Db,
  attemptId: string,
  uuid: string,
  conversationUuid: string | undefined,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('call_attempts')
      .select('status')
      .where('id', '=', attemptId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return;
    const advance = isCallStatus(row.status) && canTransition(row.status, 'started');
    await trx
      .updateTable('call_attempts')
      .set({
        call_uuid: sql`coalesce(call_uuid, ${uuid})`,
        conversation_uuid: sql`coalesce(conversation_uuid, ${conversationUuid ?? null})`,
        ...(advance ? { status: 'started' } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', attemptId)
      .execute();
  });
}

/**
 * A never-dialed campaign attempt is dropped and its recipient waits in Postgres again: at once
 * (a paused campaign, fed again on resume) or after `retryInMs` (the gateway was unreachable).
 */
export async function returnToPending(
  db: Db,
  attemptId: string,
  recipientId: string | null,
  retryInMs?: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('call_attempts')
      .where('id', '=', attemptId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (deleted.numDeletedRows !== 1n) return false;
    if (recipientId) {
      await trx
        .updateTable('recipients')
        .set({
          status: 'pending',
          ...(retryInMs ? { next_attempt_at: sql`now() + make_interval(secs => ${retryInMs / 1000})` } : {}),
        })
        .where('id', '=', recipientId)
        .where('status', '=', 'queued')
        .execute();
    }
    return true;
  });
}

/** What webhooks say about an attempt: how many events arrived, and the call uuid they name. */
export async function callEvidence(db: Db, attemptId: string): Promise<{ events: number; callUuid: string | null }> {
  const row = await db
    .selectFrom('call_events')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.max('call_uuid').as('uuid')])
    .where('attempt_id', '=', attemptId)
    .executeTakeFirstOrThrow();
  return { events: Number(row.n), callUuid: row.uuid };
}
