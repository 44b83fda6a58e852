import type { Db, Trx } from '../db/connect.ts';
import type { CallResponses } from '../shared/call-responses.ts';

/** Who an attempt belongs to and what its results are reported with (input and record events). */
export interface AttemptContext {
  apiKeyId: string;
  number: string;
  responses: CallResponses | null;
  data: Record<string, unknown> | null;
  campaignId: string | null;
  reminderId: string | null;
  reminderRun: number | null;
  attemptNo: number;
  metadata: Record<string, unknown>;
}

/** The attempt's owner (campaign or reminder) and its recipient's data; undefined if unknown. */
export async function loadAttemptContext(db: Db | Trx, attemptId: string): Promise<AttemptContext | undefined> {
  const row = await db
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('recipients as r', 'r.id', 'a.recipient_id')
    .leftJoin('reminders as m', 'm.id', 'a.reminder_id')
    .select(['a.to_number', 'a.campaign_id', 'a.reminder_id', 'a.reminder_run', 'a.attempt_no', 'r.data'])
    .select(['c.api_key_id as campaign_key', 'c.responses as campaign_responses', 'c.metadata as campaign_metadata'])
    .select(['m.api_key_id as reminder_key', 'm.responses as reminder_responses', 'm.metadata as reminder_metadata'])
    .where('a.id', '=', attemptId)
    .executeTakeFirst();
  const apiKeyId = row?.campaign_key ?? row?.reminder_key;
  if (!row || !apiKeyId) return undefined;
  return {
    apiKeyId,
    number: row.to_number,
    responses: (row.campaign_responses ?? row.reminder_responses ?? null) as CallResponses | null,
    data: row.data,
    campaignId: row.campaign_id,
    reminderId: row.reminder_id,
    reminderRun: row.reminder_run,
    attemptNo: row.attempt_no,
    metadata: row.campaign_metadata ?? row.reminder_metadata ?? {},
  };
}

/** The attempt's identity as every outbound event about one attempt carries it. */
export function attemptEventFields(attemptId: string, context: AttemptContext) {
  return {
    attemptId,
    campaignId: context.campaignId,
    reminderId: context.reminderId,
    reminderRun: context.reminderRun,
    attemptNo: context.attemptNo,
    number: context.number,
  };
}
