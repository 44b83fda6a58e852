import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import { endAttempt } from './attempt-outcome.ts';
import { correctOutcome } from './correct-outcome.ts';
import { type AttemptEvent, type BillingFields, type EventPlan, planEvent } from './event-plan.ts';

/** The leg identifiers an event may carry before the worker stored the create-call response. */
export interface EventIdentity {
  callUuid: string | null;
  conversationUuid: string | null;
}

export type ApplyResult = { found: false } | { found: true; plan: EventPlan['kind'] };

/**
 * Applies one stored event to its attempt: locks the attempt row (events of one call serialize
 * here), records leg ids it lacks, then advances, ends, bills or corrects per `planEvent`.
 * Run inside the transaction that stored the event, so an event is applied exactly once.
 */
export async function applyEvent(
  trx: Trx,
  attemptId: string,
  event: AttemptEvent & EventIdentity,
): Promise<ApplyResult> {
  const attempt = await trx
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('reminders as m', 'm.id', 'a.reminder_id')
    .select([
      'a.status',
      'a.outcome',
      'a.detail',
      'a.answered_at',
      'a.call_uuid',
      'a.conversation_uuid',
      'c.call_options as campaign_options',
      'm.call_options as reminder_options',
    ])
    .where('a.id', '=', attemptId)
    .forUpdate('a')
    .executeTakeFirst();
  if (!attempt) return { found: false };
  if ((event.callUuid && !attempt.call_uuid) || (event.conversationUuid && !attempt.conversation_uuid)) {
    await linkLeg(trx, attemptId, event);
  }
  const plan = planEvent(
    {
      status: attempt.status,
      outcome: attempt.outcome,
      detail: attempt.detail,
      answeredAt: attempt.answered_at,
      machineHangsUp: (attempt.campaign_options ?? attempt.reminder_options)?.machine_detection === 'hangup',
    },
    event,
  );
  await executePlan(trx, attemptId, plan);
  return { found: true, plan: plan.kind };
}

async function executePlan(trx: Trx, attemptId: string, plan: EventPlan): Promise<void> {
  switch (plan.kind) {
    case 'advance':
      await trx
        .updateTable('call_attempts')
        .set({
          status: plan.to,
          answered_at: sql`coalesce(answered_at, ${plan.answeredAt})`,
          updated_at: sql`now()`,
        })
        .where('id', '=', attemptId)
        .execute();
      return;
    case 'end':
      await endAttempt(trx, attemptId, { ...plan.fields, answeredAt: plan.answeredAt });
      return;
    case 'bill':
      await bill(trx, attemptId, plan.fields);
      return;
    case 'correct':
      await correctOutcome(trx, attemptId, plan.outcome, plan.detail);
      return;
    case 'ignore':
      return;
  }
}

/** Stores the call uuid the event carries first; a uuid another attempt holds is left alone. */
async function linkLeg(trx: Trx, attemptId: string, event: EventIdentity): Promise<void> {
  const taken = event.callUuid
    ? await trx.selectFrom('call_attempts').select('id').where('call_uuid', '=', event.callUuid).executeTakeFirst()
    : undefined;
  await trx
    .updateTable('call_attempts')
    .set({
      call_uuid: taken ? sql`call_uuid` : sql`coalesce(call_uuid, ${event.callUuid})`,
      conversation_uuid: sql`coalesce(conversation_uuid, ${event.conversationUuid})`,
    })
    .where('id', '=', attemptId)
    .execute();
}

/** `completed` after a failure: keep the failure as the outcome, fill in what the call cost. */
async function bill(trx: Trx, attemptId: string, fields: BillingFields): Promise<void> {
  await trx
    .updateTable('call_attempts')
    .set({
      duration_seconds: sql`coalesce(${fields.durationSeconds ?? null}::int, duration_seconds)`,
      price: sql`coalesce(${fields.price ?? null}::numeric, price)`,
      rate: sql`coalesce(${fields.rate ?? null}::numeric, rate)`,
      network: sql`coalesce(${fields.network ?? null}, network)`,
      ended_at: sql`coalesce(${fields.endedAt ?? null}::timestamptz, ended_at)`,
      updated_at: sql`now()`,
    })
    .where('id', '=', attemptId)
    .execute();
}
