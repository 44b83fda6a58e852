import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import { nextRetryAt } from './attempt-outcome.ts';
import type { Outcome } from './call-status.ts';

/**
 * A failure status arriving after `completed` ended a never-answered attempt provisionally
 * (`unanswered`): the failure is the real outcome. The attempt takes it, and its recipient is
 * settled again under the campaign's policy (a busy line may retry where `unanswered` did not),
 * but only while this is still the recipient's latest attempt and nothing picked it up since.
 */
export async function correctOutcome(
  trx: Trx,
  attemptId: string,
  outcome: Outcome,
  detail: string | null,
): Promise<void> {
  const attempt = await trx
    .updateTable('call_attempts')
    .set({ outcome, detail, updated_at: sql`now()` })
    .where('id', '=', attemptId)
    .returning(['recipient_id', 'campaign_id', 'attempt_no'])
    .executeTakeFirst();
  if (!attempt?.recipient_id || !attempt.campaign_id) return;
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
