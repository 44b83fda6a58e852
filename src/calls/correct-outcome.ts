import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import { endedAttempt } from './attempt-outcome.ts';
import type { AttemptOwners } from './attempt-owners.ts';
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
  owners: AttemptOwners,
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
    .returning(['recipient_id', 'campaign_id', 'attempt_no', 'reminder_id', 'reminder_run'])
    .executeTakeFirst();
  if (correct && attempt) await owners.resettle(trx, endedAttempt(attemptId, attempt), correct.outcome);
}
