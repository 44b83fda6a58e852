import { sql } from 'kysely';
import type { EndedAttempt } from '../calls/attempt-owners.ts';
import type { Outcome } from '../calls/call-status.ts';
import { nextRetryAt } from '../calls/retry-policy.ts';
import type { Trx } from '../db/connect.ts';

/** The campaign's retry time for this outcome, or undefined when the recipient is done. */
async function retryTime(trx: Trx, campaignId: string, attemptNo: number, outcome: Outcome): Promise<Date | undefined> {
  const campaign = await trx
    .selectFrom('campaigns')
    .select(['retry_policy', 'status'])
    .where('id', '=', campaignId)
    .executeTakeFirstOrThrow();
  if (campaign.status === 'cancelled') return undefined;
  return nextRetryAt(campaign.retry_policy, attemptNo, outcome, new Date());
}

/**
 * A campaign recipient after its attempt ended: back to `pending` for a retry per the
 * campaign's policy, or `done` with this outcome. Attempts of other owners are left alone.
 */
export async function settleRecipient(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void> {
  if (!attempt.recipientId || !attempt.campaignId) return;
  const retryAt = await retryTime(trx, attempt.campaignId, attempt.attemptNo, outcome);
  await trx
    .updateTable('recipients')
    // attempt_count is kept by whoever creates attempts; greatest() also covers rows made elsewhere.
    .set({
      status: retryAt ? 'pending' : 'done',
      next_attempt_at: retryAt ?? null,
      final_outcome: outcome,
      attempt_count: sql`greatest(attempt_count, ${attempt.attemptNo})`,
    })
    .where('id', '=', attempt.recipientId)
    .execute();
}

/**
 * The recipient is settled again under the campaign's policy with the corrected outcome (a busy
 * line may retry where `unanswered` did not), but only while this is still its latest attempt
 * and nothing picked it up since.
 */
export async function resettleRecipient(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void> {
  if (!attempt.recipientId || !attempt.campaignId) return;
  const retryAt = await retryTime(trx, attempt.campaignId, attempt.attemptNo, outcome);
  await trx
    .updateTable('recipients as r')
    .set({ final_outcome: outcome, status: retryAt ? 'pending' : 'done', next_attempt_at: retryAt ?? null })
    .where('r.id', '=', attempt.recipientId)
    // Re-checked on the locked row: a feeder that queued the recipient meanwhile wins.
    .where('r.status', 'in', ['pending', 'done'])
    .where('r.attempt_count', '<=', attempt.attemptNo)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('call_attempts as later')
            .select('later.id')
            .whereRef('later.recipient_id', '=', 'r.id')
            .where('later.attempt_no', '>', attempt.attemptNo),
        ),
      ),
    )
    .execute();
}
