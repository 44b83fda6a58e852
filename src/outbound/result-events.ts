import { sql } from 'kysely';
import type { EndedAttempt } from '../calls/attempt-owners.ts';
import type { Outcome } from '../calls/call-status.ts';
import type { Trx } from '../db/connect.ts';
import { type OutboundEvent, writeOutboundEvents } from '../shared/webhook-outbox.ts';

/**
 * The outbound events an ended attempt and a completed campaign cause (issue 13), written in
 * the transaction that ended or completed them. Run after the owners settled the attempt, so
 * "is this the last attempt" reads the recipient's and reminder's new state.
 */

interface AttemptFacts {
  api_key_id: string | null;
  metadata: Record<string, unknown> | null;
  to_number: string;
  duration_seconds: number | null;
  price: string | null;
  answered_at: Date | null;
  ended_at: Date | null;
  answer_label: string | null;
  answer_digits: string | null;
  recipient_status: string | null;
  has_recording: boolean;
  later_attempt: boolean;
}

/** call.completed for every ended attempt; reminder.run.completed when it was its run's last. */
export async function emitAttemptEnded(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void> {
  const { rows } = await sql<AttemptFacts>`
    select coalesce(c.api_key_id, m.api_key_id) as api_key_id, coalesce(c.metadata, m.metadata) as metadata,
           a.to_number, a.duration_seconds, a.price, a.answered_at, a.ended_at, a.answer_label, a.answer_digits,
           r.status as recipient_status,
           exists (select 1 from call_recordings rec where rec.attempt_id = a.id) as has_recording,
           -- Two probes on their own indexes ((recipient_id, attempt_no), (reminder_id, reminder_run, attempt_no)).
           (exists (select 1 from call_attempts later
                    where later.recipient_id = a.recipient_id and later.attempt_no > a.attempt_no)
            or exists (select 1 from call_attempts later
                    where later.reminder_id = a.reminder_id and later.reminder_run = a.reminder_run
                      and later.attempt_no > a.attempt_no)) as later_attempt
    from call_attempts a
    left join campaigns c on c.id = a.campaign_id
    left join reminders m on m.id = a.reminder_id
    left join recipients r on r.id = a.recipient_id
    where a.id = ${attempt.id}::uuid
      -- Nothing to build when no endpoint of the key is listening (the common case costs one probe).
      and exists (select 1 from webhook_endpoints e
                  where e.api_key_id = coalesce(c.api_key_id, m.api_key_id) and e.status = 'enabled'
                    and e.deleted_at is null)`.execute(trx);
  const facts = rows[0];
  if (!facts?.api_key_id) return;
  // A recipient back in `pending` will be called again; a reminder run has a later attempt queued.
  const isLastAttempt = attempt.recipientId ? facts.recipient_status !== 'pending' : !facts.later_attempt;
  const data = {
    attemptId: attempt.id,
    campaignId: attempt.campaignId,
    reminderId: attempt.reminderId,
    reminderRun: attempt.reminderRun,
    attemptNo: attempt.attemptNo,
    isLastAttempt,
    number: facts.to_number,
    outcome,
    durationSeconds: facts.duration_seconds,
    cost: facts.price === null ? null : String(facts.price),
    answeredAt: facts.answered_at ? new Date(facts.answered_at).toISOString() : null,
    endedAt: facts.ended_at ? new Date(facts.ended_at).toISOString() : null,
    answer:
      facts.answer_label === null && facts.answer_digits === null
        ? null
        : { label: facts.answer_label, digits: facts.answer_digits },
    recordingAvailable: facts.has_recording,
    metadata: facts.metadata ?? {},
  };
  const events: OutboundEvent[] = [{ apiKeyId: facts.api_key_id, type: 'call.completed', data }];
  if (attempt.reminderId && isLastAttempt) {
    events.push({
      apiKeyId: facts.api_key_id,
      type: 'reminder.run.completed',
      data: {
        reminderId: attempt.reminderId,
        run: attempt.reminderRun,
        attempts: attempt.attemptNo,
        outcome,
        answer: data.answer,
        lastAttemptId: attempt.id,
        metadata: data.metadata,
      },
    });
  }
  await writeOutboundEvents(trx, events);
}

/** campaign.completed for campaigns the feeder just completed, with their final counts. */
export async function emitCampaignsCompleted(trx: Trx, campaignIds: readonly string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  const { rows } = await sql<{
    id: string;
    api_key_id: string;
    name: string;
    metadata: Record<string, unknown>;
    completed_at: Date;
    outcomes: Record<string, number> | null;
    answers: Record<string, number> | null;
    recipients: number;
  }>`
    select c.id, c.api_key_id, c.name, c.metadata, c.completed_at,
           (select count(*)::int from recipients r where r.campaign_id = c.id) as recipients,
           (select jsonb_object_agg(o, n) from (select coalesce(final_outcome, 'none') as o, count(*)::int as n
              from recipients r where r.campaign_id = c.id group by 1) x) as outcomes,
           (select jsonb_object_agg(l, n) from (select answer_label as l, count(*)::int as n
              from call_attempts a where a.campaign_id = c.id and answer_label is not null group by 1) y) as answers
    from campaigns c where c.id = any(${campaignIds}::uuid[])`.execute(trx);
  await writeOutboundEvents(
    trx,
    rows.map((row) => ({
      apiKeyId: row.api_key_id,
      type: 'campaign.completed' as const,
      data: {
        campaignId: row.id,
        name: row.name,
        completedAt: new Date(row.completed_at).toISOString(),
        recipients: row.recipients,
        outcomes: row.outcomes ?? {},
        answersByLabel: row.answers ?? {},
        metadata: row.metadata ?? {},
      },
    })),
  );
}
