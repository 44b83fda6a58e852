import { sql } from 'kysely';
import type { EndedAttempt } from '../calls/attempt-owners.ts';
import type { Outcome } from '../calls/call-status.ts';
import { nextRetryAt } from '../calls/retry-policy.ts';
import type { Trx } from '../db/connect.ts';
import type { RecipientOutcome } from '../db/database.ts';
import { isSuppressedForCampaign } from '../suppressions/suppression-repository.ts';

/**
 * Where a recipient goes after its attempt ended with `outcome`: a retry time per the campaign's
 * policy (`pending`), or a final status. A number suppressed meanwhile is never retried: it ends
 * `cancelled` with final outcome `suppressed`, whatever the call's own outcome (unless it
 * completed). An attempt skipped because the campaign was cancelled leaves it `cancelled`.
 */
async function settlement(
  trx: Trx,
  attempt: EndedAttempt & { campaignId: string; recipientId: string },
  outcome: Outcome,
): Promise<{ status: 'pending' | 'done' | 'cancelled'; retryAt: Date | null; finalOutcome: RecipientOutcome }> {
  const row = await trx
    .selectFrom('campaigns as c')
    .innerJoin('recipients as r', 'r.campaign_id', 'c.id')
    .select(['c.retry_policy', 'c.status', 'r.number'])
    .where('c.id', '=', attempt.campaignId)
    .where('r.id', '=', attempt.recipientId)
    .executeTakeFirstOrThrow();
  if (outcome === 'suppressed') return { status: 'cancelled', retryAt: null, finalOutcome: 'suppressed' };
  if (outcome !== 'completed' && (await isSuppressedForCampaign(trx, attempt.campaignId, row.number))) {
    return { status: 'cancelled', retryAt: null, finalOutcome: 'suppressed' };
  }
  if (row.status === 'cancelled') {
    return { status: outcome === 'skipped' ? 'cancelled' : 'done', retryAt: null, finalOutcome: outcome };
  }
  const retryAt = nextRetryAt(row.retry_policy, attempt.attemptNo, outcome, new Date()) ?? null;
  return { status: retryAt ? 'pending' : 'done', retryAt, finalOutcome: outcome };
}

/**
 * A campaign recipient after its attempt ended: back to `pending` for a retry per the
 * campaign's policy, or settled for good with this outcome. Attempts of other owners are left alone.
 */
export async function settleRecipient(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void> {
  const { recipientId, campaignId } = attempt;
  if (!recipientId || !campaignId) return;
  const next = await settlement(trx, { ...attempt, recipientId, campaignId }, outcome);
  await trx
    .updateTable('recipients')
    // attempt_count is kept by whoever creates attempts; greatest() also covers rows made elsewhere.
    .set({
      status: next.status,
      next_attempt_at: next.retryAt,
      final_outcome: next.finalOutcome,
      attempt_count: sql`greatest(attempt_count, ${attempt.attemptNo})`,
    })
    .where('id', '=', recipientId)
    .execute();
}

/**
 * The recipient is settled again under the campaign's policy with the corrected outcome (a busy
 * line may retry where `unanswered` did not), but only while this is still its latest attempt
 * and nothing picked it up since.
 */
export async function resettleRecipient(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void> {
  const { recipientId, campaignId } = attempt;
  if (!recipientId || !campaignId) return;
  const next = await settlement(trx, { ...attempt, recipientId, campaignId }, outcome);
  await trx
    .updateTable('recipients as r')
    .set({ final_outcome: next.finalOutcome, status: next.status, next_attempt_at: next.retryAt })
    .where('r.id', '=', recipientId)
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
