import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import type { AttemptOwners, EndedAttempt } from './attempt-owners.ts';
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

/**
 * Ends an attempt exactly once and lets its owner move on (`owners.settle`: a campaign
 * recipient retries per its policy or is done; a reminder schedules its retry or next run).
 * Returns false when the attempt had already ended (a duplicate or late event), in which case
 * nothing changes. Run inside a transaction.
 */
export async function endAttempt(
  trx: Trx,
  attemptId: string,
  fields: EndFields,
  owners: AttemptOwners,
): Promise<boolean> {
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
  await owners.settle(trx, endedAttempt(attemptId, ended), fields.outcome);
  return true;
}

/** The owner-facing view of an attempt row. */
export function endedAttempt(
  id: string,
  row: {
    attempt_no: number;
    campaign_id: string | null;
    recipient_id: string | null;
    reminder_id: string | null;
    reminder_run: number | null;
  },
): EndedAttempt {
  return {
    id,
    attemptNo: row.attempt_no,
    campaignId: row.campaign_id,
    recipientId: row.recipient_id,
    reminderId: row.reminder_id,
    reminderRun: row.reminder_run,
  };
}
