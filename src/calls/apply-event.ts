import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import { endAttempt } from './attempt-outcome.ts';
import type { AttemptOwners } from './attempt-owners.ts';
import { amendEndedAttempt } from './correct-outcome.ts';
import { type AttemptEffect, foldEvents } from './event-fold.ts';
import type { AttemptEvent } from './event-plan.ts';

/** The leg identifiers an event may carry before the worker stored the create-call response. */
export interface EventIdentity {
  callUuid: string | null;
  conversationUuid: string | null;
}

export type AttemptEventInput = AttemptEvent & EventIdentity;

interface Progress extends EventIdentity {
  id: string;
  advanceTo: string | null;
  answeredAt: Date | null;
}

/**
 * Applies events (per attempt, in arrival order) to their attempts in the caller's transaction:
 * locks the attempts in id order (events of one call serialize here), records leg ids they
 * lack, then advances, ends, bills or corrects each as `foldEvents` decides. Forward progress
 * of all attempts is one statement; each end settles the attempt's owner (endAttempt). Returns
 * the ids of the attempts found.
 */
export async function applyEventBatch(
  trx: Trx,
  eventsByAttempt: ReadonlyMap<string, readonly AttemptEventInput[]>,
  owners: AttemptOwners,
): Promise<string[]> {
  if (eventsByAttempt.size === 0) return [];
  const attempts = await trx
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('reminders as m', 'm.id', 'a.reminder_id')
    .select(['a.id', 'a.status', 'a.outcome', 'a.detail', 'a.answered_at', 'a.call_uuid', 'a.conversation_uuid'])
    .select(['c.call_options as campaign_options', 'm.call_options as reminder_options'])
    .where('a.id', 'in', [...eventsByAttempt.keys()])
    .orderBy('a.id')
    .forNoKeyUpdate('a')
    .execute();
  const progress: Progress[] = [];
  const effects: [string, AttemptEffect][] = [];
  for (const attempt of attempts) {
    const events = eventsByAttempt.get(attempt.id) ?? [];
    const effect = foldEvents(
      {
        status: attempt.status,
        outcome: attempt.outcome,
        detail: attempt.detail,
        answeredAt: attempt.answered_at,
        machineHangsUp: (attempt.campaign_options ?? attempt.reminder_options)?.machine_detection === 'hangup',
      },
      events,
    );
    const callUuid = attempt.call_uuid ? null : (events.find((event) => event.callUuid)?.callUuid ?? null);
    const conversationUuid = attempt.conversation_uuid
      ? null
      : (events.find((event) => event.conversationUuid)?.conversationUuid ?? null);
    if (callUuid || conversationUuid || effect.advanceTo) {
      progress.push({
        id: attempt.id,
        callUuid,
        conversationUuid,
        advanceTo: effect.advanceTo,
        answeredAt: effect.answeredAt,
      });
    }
    effects.push([attempt.id, effect]);
  }
  await recordProgress(trx, progress);
  for (const [id, effect] of effects) {
    if (effect.end) await endAttempt(trx, id, effect.end, owners);
    if (effect.bill || effect.correct) await amendEndedAttempt(trx, id, effect.bill, effect.correct, owners);
  }
  return attempts.map((attempt) => attempt.id);
}

/**
 * Leg ids and forward progress of many attempts in one statement (the counter triggers then
 * lock each counter row once, in key order). A call uuid another attempt already holds is left
 * alone: the column is unique, and a stray callback must not fail the batch.
 */
async function recordProgress(trx: Trx, rows: readonly Progress[]): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(
    rows.map(
      (row) =>
        sql`(${row.id}::uuid, ${row.callUuid}::text, ${row.conversationUuid}::text, ${row.advanceTo}::text, ${row.answeredAt}::timestamptz)`,
    ),
  );
  await sql`
    update call_attempts a set
      call_uuid = coalesce(a.call_uuid, case when exists (select 1 from call_attempts o where o.call_uuid = v.call_uuid)
                                            then null else v.call_uuid end),
      conversation_uuid = coalesce(a.conversation_uuid, v.conversation_uuid),
      status = coalesce(v.status, a.status),
      answered_at = coalesce(a.answered_at, v.answered_at),
      updated_at = case when v.status is null then a.updated_at else now() end
    from (values ${values}) as v(id, call_uuid, conversation_uuid, status, answered_at)
    where a.id = v.id`.execute(trx);
}
