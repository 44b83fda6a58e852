import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import type { RetryPolicyJson } from '../db/database.ts';
import { settleReminderAttempt } from '../reminders/reminder-schedule.ts';
import type { Outcome } from './call-status.ts';

export interface EndFields {
  outcome: Outcome;
  detail?: string | null;
  endedAt?: Date;
  durationSeconds?: number | null;
  price?: string | number | null;
  rate?: string | number | null;
  network?: string | null;
  gatewayError?: unknown;
  /** When the callee answered, if not yet recorded (an event may carry it with the end). */
  answeredAt?: Date | null;
}

/** Outcomes that never retry, whatever the policy says: the person was reached or refused. */
const NEVER_RETRY: ReadonlySet<Outcome> = new Set(['completed', 'rejected', 'skipped']);

/**
 * Ends an attempt exactly once and moves its recipient on: retry later per the campaign's
 * policy, or done with this outcome. Returns false when the attempt had already ended (a
 * duplicate or late event), in which case nothing changes. Run inside a transaction.
 */
export async function endAttempt(trx: Trx, attemptId: string, fields: EndFields): Promise<boolean> {
  const ended = await trx
    .updateTable('call_attempts')
    .set({
      status: 'ended',
      outcome: fields.outcome,
      detail: fields.detail ?? null,
      ended_at: fields.endedAt ?? new Date(),
      duration_seconds: fields.durationSeconds ?? null,
      price: fields.price ?? null,
      rate: fields.rate ?? null,
      network: fields.network ?? null,
      gateway_error: fields.gatewayError === undefined ? null : JSON.stringify(fields.gatewayError),
      // Same statement as the end: the counter triggers then lock their rows once, in key order.
      answered_at: sql`coalesce(answered_at, ${fields.answeredAt ?? null}::timestamptz)`,
      updated_at: sql`now()`,
    })
    .where('id', '=', attemptId)
    .where('status', '<>', 'ended')
    .returning(['recipient_id', 'campaign_id', 'attempt_no', 'reminder_id', 'reminder_run'])
    .executeTakeFirst();
  if (!ended) return false;
  if (ended.recipient_id && ended.campaign_id) {
    await settleRecipient(trx, ended.recipient_id, ended.campaign_id, ended.attempt_no, fields.outcome);
  }
  if (ended.reminder_id) {
    // A reminder's attempt: retry per the reminder's policy, ensure its next run (reminders/).
    const attempt = { ...ended, id: attemptId, reminder_id: ended.reminder_id };
    await settleReminderAttempt(trx, attempt, fields.outcome);
  }
  return true;
}

async function settleRecipient(
  trx: Trx,
  recipientId: string,
  campaignId: string,
  attemptNo: number,
  outcome: Outcome,
): Promise<void> {
  const campaign = await trx
    .selectFrom('campaigns')
    .select(['retry_policy', 'status'])
    .where('id', '=', campaignId)
    .executeTakeFirstOrThrow();
  const retryAt = nextRetryAt(campaign.retry_policy, attemptNo, outcome, new Date());
  if (retryAt && campaign.status !== 'cancelled') {
    await trx
      .updateTable('recipients')
      .set({
        status: 'pending',
        next_attempt_at: retryAt,
        final_outcome: outcome,
        attempt_count: sql`greatest(attempt_count, ${attemptNo})`,
      })
      .where('id', '=', recipientId)
      .execute();
    return;
  }
  await trx
    .updateTable('recipients')
    // attempt_count is kept by whoever creates attempts; greatest() also covers rows made elsewhere.
    .set({
      status: 'done',
      final_outcome: outcome,
      next_attempt_at: null,
      attempt_count: sql`greatest(attempt_count, ${attemptNo})`,
    })
    .where('id', '=', recipientId)
    .execute();
}

/** When to try again after `attemptNo` ended with `outcome`, or undefined for never. */
export function nextRetryAt(policy: RetryPolicyJson, attemptNo: number, outcome: Outcome, now: Date): Date | undefined {
  if (NEVER_RETRY.has(outcome)) return undefined;
  if (!policy.retryOn.includes(outcome)) return undefined;
  if (attemptNo >= policy.maxAttempts) return undefined;
  return new Date(now.getTime() + policy.delaySeconds * 1000);
}
