import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import { nextRetryAt } from './attempt-outcome.ts';
import type { Outcome } from './call-status.ts';
import type { BillingFields } from './event-plan.ts';

/**
 * Late news for an attempt that had already ended, in one statement: billing (`completed`
 * after a failure: keep the failure, fill in what the call cost) and/or a corrected outcome
 * (a failure arriving after `completed` ended a never-answered attempt provisionally).
 */
export async function amendEndedAttempt(
  trx: Trx,
  attemptId: string,
  bill: BillingFields | null,
  correct: { outcome: Outcome; detail: string | null } | null,
): Promise<void> {
  const attempt = await trx
    .updateTable('call_attempts')
    .set({
      ...(bill && {
        duration_seconds: sql`coalesce(${bill.durationSeconds ?? null}::int, duration_seconds)`,
        price: sql`coalesce(${bill.price ?? null}::numeric, price)`,
        rate: sql`coalesce(${bill.rate ?? null}::numeric, rate)`,
        network: sql`coalesce(${bill.network ?? null}, network)`,
        ended_at: sql`coalesce(${bill.endedAt ?? null}::timestamptz, ended_at)`,
      }),
      ...(correct && { outcome: correct.outcome, detail: correct.detail }),
      updated_at: sql`now()`,
    })
    .where('id', '=', attemptId)
    .returning(['recipient_id', 'campaign_id', 'attempt_no'])
    .executeTakeFirst();
  if (correct && attempt?.recipient_id && attempt.campaign_id) {
    await resettleRecipient(
      trx,
      { ...attempt, recipient_id: attempt.recipient_id, campaign_id: attempt.campaign_id },
      correct.outcome,
    );
  }
}

/**
 * The recipient is settled again under the campaign's policy with the corrected outcome (a busy
 * line may retry where `unanswered` did not), but only while this is still its latest attempt
 * and nothing picked it up since.
 */
async function resettleRecipient(
  trx: Trx,
  attempt: { recipient_id: string; campaign_id: string; attempt_no: number },
  outcome: Outcome,
): Promise<void> {
  const campaign = await trx
    .selectFrom('campaigns')
    .select(['retry_policy', 'status'])
    .where('id', '=', attempt.campaign_id)
    .executeTakeFirstOrThrow();
  const retryAt =
    campaign.status === 'cancelled'
      ? undefined
      : nextRetryAt(campaign.retry_policy, attempt.attempt_no, outcome, new Date());
  await trx
    .updateTable('recipients as r')
    .set({ final_outcome: outcome, status: retryAt ? 'pending' : 'done', next_attempt_at: retryAt ?? null })
    .where('r.id', '=', attempt.recipient_id)
    // Re-checked on the locked row: a feeder that queued the recipient meanwhile wins.
    .where('r.status', 'in', ['pending', 'done'])
    .where('r.attempt_count', '<=', attempt.attempt_no)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('call_attempts as later')
            .select('later.id')
            .whereRef('later.recipient_id', '=', 'r.id')
            .where('later.attempt_no', '>', attempt.attempt_no),
        ),
      ),
    )
    .execute();
}
