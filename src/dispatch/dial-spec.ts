import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import type { CallOptionsJson, CallWindowJson } from '../db/database.ts';
import { resolveZone } from '../shared/call-window.ts';
import { namespaceConversations, renderNcco } from '../shared/ncco-template.ts';
import type { E164 } from '../shared/phone-number.ts';
import { loadReminderDialSpec } from './reminder-dial-spec.ts';

/**
 * Everything a worker needs to decide about one attempt and dial it, read fresh from Postgres
 * (the job carries only the id). Campaign attempts and reminder attempts look the same here.
 *   halt: `paused` – the campaign is paused: hand the recipient back, do not dial;
 *         `cancelled` – the campaign or reminder is cancelled: end the attempt as skipped.
 */
export interface DialSpec {
  attemptId: string;
  kind: 'campaign' | 'reminder';
  status: string;
  callUuid: string | null;
  dialStartedAt: Date | null;
  /** When the attempt became due (a reminder's run time, a retry's time); for lateness metrics. */
  dueAt: Date;
  /** How long ago the last dial started, by Postgres's clock (no skew between machines). */
  dialingForMs: number | null;
  recipientId: string | null;
  halt: 'paused' | 'cancelled' | null;
  to: E164;
  from: E164;
  /** Rendered NCCO, or null when the campaign/reminder has its own answer URL. */
  ncco: unknown[] | null;
  ownAnswerUrl: string | null;
  callOptions: CallOptionsJson;
  callWindow: CallWindowJson | null;
  zone: string;
}

export async function loadDialSpec(db: DbOrTrx, attemptId: string): Promise<DialSpec | undefined> {
  const attempt = await db
    .selectFrom('call_attempts')
    .select(['id', 'status', 'call_uuid', 'dial_started_at', 'campaign_id', 'recipient_id', 'reminder_id', 'to_number'])
    .select('due_at')
    .select(sql<string | null>`extract(epoch from now() - dial_started_at) * 1000`.as('dialing_for_ms'))
    .where('id', '=', attemptId)
    .executeTakeFirst();
  if (!attempt) return undefined;
  const common = {
    attemptId,
    status: attempt.status,
    callUuid: attempt.call_uuid,
    dialStartedAt: attempt.dial_started_at,
    dueAt: attempt.due_at,
    dialingForMs: attempt.dialing_for_ms === null ? null : Number(attempt.dialing_for_ms),
    recipientId: attempt.recipient_id,
    // Stored by intake after toE164 normalization.
    to: attempt.to_number as E164,
  };
  if (attempt.reminder_id) {
    const reminder = await loadReminderDialSpec(db, attemptId);
    if (!reminder) return undefined;
    return {
      ...common,
      kind: 'reminder',
      halt: reminder.cancelled ? 'cancelled' : null,
      from: reminder.from,
      ncco: reminder.ncco,
      ownAnswerUrl: reminder.answerUrl,
      callOptions: reminder.callOptions,
      callWindow: reminder.callWindow,
      zone: resolveZone(reminder.timezone),
    };
  }
  if (!attempt.campaign_id) return undefined;
  return loadCampaignPart(db, attempt.campaign_id, attempt.recipient_id, common);
}

async function loadCampaignPart(
  db: DbOrTrx,
  campaignId: string,
  recipientId: string | null,
  common: Pick<
    DialSpec,
    'attemptId' | 'status' | 'callUuid' | 'dialStartedAt' | 'dueAt' | 'dialingForMs' | 'recipientId' | 'to'
  >,
): Promise<DialSpec | undefined> {
  const campaign = await db
    .selectFrom('campaigns')
    .select(['status', 'api_key_id', 'from_number', 'ncco', 'answer_url', 'call_options', 'call_window', 'timezone'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!campaign) return undefined;
  const recipient = recipientId
    ? await db.selectFrom('recipients').select(['data', 'timezone']).where('id', '=', recipientId).executeTakeFirst()
    : undefined;
  return {
    ...common,
    kind: 'campaign',
    halt: campaign.status === 'paused' ? 'paused' : campaign.status === 'cancelled' ? 'cancelled' : null,
    from: campaign.from_number as E164,
    ncco: campaign.ncco
      ? namespaceConversations(renderNcco(campaign.ncco, recipient?.data ?? {}), campaign.api_key_id)
      : null,
    ownAnswerUrl: campaign.answer_url,
    callOptions: campaign.call_options,
    callWindow: campaign.call_window,
    zone: resolveZone(recipient?.timezone, campaign.timezone),
  };
}
