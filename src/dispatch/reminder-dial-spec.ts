import type { DbOrTrx } from '../db/connect.ts';
import type { CallOptionsJson, CallWindowJson, ReminderStatus } from '../db/database.ts';
import { namespaceConversations } from '../shared/ncco-template.ts';
import type { E164 } from '../shared/phone-number.ts';

/** What the dispatch worker needs to place a reminder's attempt (in place of attempt + campaign). */
export interface ReminderDialSpec {
  attemptId: string;
  reminderId: string;
  /** The attempt's status: only a `queued` attempt may be dialed. */
  attemptStatus: string;
  to: E164;
  from: E164;
  /** Inline NCCO, served by our answer webhook (`answerNcco`); null when `answerUrl` is set. */
  ncco: unknown[] | null;
  /** The reminder's own answer URL: hand it to the gateway as is. */
  answerUrl: string | null;
  callOptions: CallOptionsJson;
  callWindow: CallWindowJson | null;
  /** IANA zone of the call window. */
  timezone: string;
  /**
   * Do not dial; end the attempt as `skipped`: the reminder was cancelled, or its number has
   * since been put on the key's do-not-call list (`haltReason` says which).
   */
  cancelled: boolean;
  haltReason: 'cancelled' | 'suppressed' | null;
  reminderStatus: ReminderStatus;
}

/** Loads a reminder attempt for dialing; undefined when the attempt is not a reminder's. */
export async function loadReminderDialSpec(db: DbOrTrx, attemptId: string): Promise<ReminderDialSpec | undefined> {
  const row = await db
    .selectFrom('call_attempts as a')
    .innerJoin('reminders as r', 'r.id', 'a.reminder_id')
    .select([
      'a.id',
      'a.status as attempt_status',
      'a.to_number',
      'r.id as reminder_id',
      'r.status',
      'r.from_number',
      'r.api_key_id',
      'r.ncco',
      'r.answer_url',
      'r.call_options',
      'r.call_window',
      'r.timezone',
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('suppressions as s')
              .select('s.number')
              .whereRef('s.api_key_id', '=', 'r.api_key_id')
              .whereRef('s.number', '=', 'a.to_number'),
          )
          .as('suppressed'),
    ])
    .where('a.id', '=', attemptId)
    .executeTakeFirst();
  if (!row) return undefined;
  const suppressed = Boolean(row.suppressed);
  return {
    attemptId: row.id,
    reminderId: row.reminder_id,
    attemptStatus: row.attempt_status,
    // Both were normalized by toE164 when the reminder was stored.
    to: row.to_number as E164,
    from: row.from_number as E164,
    ncco: row.ncco && namespaceConversations(row.ncco, row.api_key_id),
    answerUrl: row.answer_url,
    callOptions: row.call_options,
    callWindow: row.call_window,
    timezone: row.timezone,
    cancelled: row.status === 'cancelled' || suppressed,
    haltReason: row.status === 'cancelled' ? 'cancelled' : suppressed ? 'suppressed' : null,
    reminderStatus: row.status,
  };
}
