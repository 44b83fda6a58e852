import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import { endAttempt } from './attempt-outcome.ts';
import { amendEndedAttempt } from './correct-outcome.ts';
import { type AttemptEffect, foldEvents } from './event-fold.ts';
import type { AttemptEvent } from './event-plan.ts';

/** The leg identifiers an event may carry before the worker stored the create-call response. */
export interface EventIdentity {
  callUuid: string | null;
  conversationUuid: string | null;
}

export type ApplyResult = { found: false } | { found: true; plans: AttemptEffect['plans'] };

/**
 * Applies events (in arrival order) to their attempt: locks the attempt row, so events of one
 * call serialize here; records leg ids it lacks; then advances, ends, bills or corrects it as
 * `foldEvents` decides. Run in the transaction that marks the events applied, so each event
 * is applied exactly once.
 */
export async function applyEvents(
  trx: Trx,
  attemptId: string,
  events: readonly (AttemptEvent & EventIdentity)[],
): Promise<ApplyResult> {
  const attempt = await trx
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('reminders as m', 'm.id', 'a.reminder_id')
    .select(['a.status', 'a.outcome', 'a.detail', 'a.answered_at', 'a.call_uuid', 'a.conversation_uuid'])
    .select(['c.call_options as campaign_options', 'm.call_options as reminder_options'])
    .where('a.id', '=', attemptId)
    .forNoKeyUpdate('a')
    .executeTakeFirst();
  if (!attempt) return { found: false };
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
  const link = {
    callUuid: attempt.call_uuid ? null : (events.find((event) => event.callUuid)?.callUuid ?? null),
    conversationUuid: attempt.conversation_uuid
      ? null
      : (events.find((event) => event.conversationUuid)?.conversationUuid ?? null),
  };
  if (link.callUuid || link.conversationUuid || effect.advanceTo) await progress(trx, attemptId, link, effect);
  if (effect.end) await endAttempt(trx, attemptId, effect.end);
  if (effect.bill || effect.correct) await amendEndedAttempt(trx, attemptId, effect.bill, effect.correct);
  return { found: true, plans: effect.plans };
}

/**
 * Leg ids and forward progress in one statement. A call uuid another attempt already holds is
 * left alone (the column is unique; a stray callback must not fail the whole batch).
 */
async function progress(trx: Trx, attemptId: string, link: EventIdentity, effect: AttemptEffect): Promise<void> {
  await trx
    .updateTable('call_attempts')
    .set({
      call_uuid: link.callUuid
        ? sql`coalesce(call_uuid, case when exists (select 1 from call_attempts o where o.call_uuid = ${link.callUuid}) then null else ${link.callUuid} end)`
        : sql`call_uuid`,
      conversation_uuid: sql`coalesce(conversation_uuid, ${link.conversationUuid})`,
      ...(effect.advanceTo && {
        status: effect.advanceTo,
        answered_at: sql`coalesce(answered_at, ${effect.answeredAt}::timestamptz)`,
        updated_at: sql`now()`,
      }),
    })
    .where('id', '=', attemptId)
    .execute();
}
