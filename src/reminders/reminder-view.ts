import type { DbOrTrx } from '../db/connect.ts';
import type { Reminder } from '../db/database.ts';
import { notFound } from '../shared/errors.ts';
import { reminderAnswerCounts, runAnswers } from './reminder-answers.ts';
import type { AttemptView, ReminderDetail, ReminderView } from './reminder-schema.ts';

/** The most recent attempts shown on GET /v1/reminders/:id; a daily reminder makes ~365 a year. */
const ATTEMPTS_SHOWN = 100;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toReminderView(row: Reminder, nextRunAt: Date | null): ReminderView {
  return {
    id: row.id,
    status: row.status,
    to: row.to_number,
    from: row.from_number,
    ncco: row.ncco,
    answerUrl: row.answer_url,
    at: iso(row.run_at),
    recurrence: row.cron
      ? { cron: row.cron, timezone: row.timezone, until: iso(row.until_at), count: row.max_runs }
      : null,
    timezone: row.timezone,
    callWindow: row.call_window,
    retry: row.retry_policy,
    machineDetection: row.call_options.machine_detection ?? null,
    ringingTimer: row.call_options.ringing_timer ?? null,
    lengthTimer: row.call_options.length_timer ?? null,
    responses: (row.responses as Record<string, unknown> | null) ?? null,
    metadata: row.metadata ?? {},
    runCount: row.run_count,
    nextRunAt: iso(nextRunAt),
    createdAt: row.created_at.toISOString(),
    cancelledAt: iso(row.cancelled_at),
    completedAt: iso(row.completed_at),
  };
}

/** Selects reminders with the due time of their earliest waiting attempt. */
function remindersWithNextRun(db: DbOrTrx, apiKeyId: string) {
  return db
    .selectFrom('reminders as r')
    .selectAll('r')
    .select((eb) =>
      eb
        .selectFrom('call_attempts as a')
        .select((inner) => inner.fn.min('a.due_at').as('next'))
        .whereRef('a.reminder_id', '=', 'r.id')
        .where('a.status', '=', 'queued')
        .as('next_run_at'),
    )
    .where('r.api_key_id', '=', apiKeyId);
}

/** One reminder of this key with its latest attempts; another key's reminder is a 404. */
export async function reminderDetail(db: DbOrTrx, apiKeyId: string, id: string): Promise<ReminderDetail> {
  const row = await remindersWithNextRun(db, apiKeyId).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Reminder', id);
  const attempts = await db
    .selectFrom('call_attempts')
    .selectAll()
    .where('reminder_id', '=', id)
    .orderBy('reminder_run', 'desc')
    .orderBy('attempt_no', 'desc')
    .limit(ATTEMPTS_SHOWN)
    .execute();
  const answers = await reminderAnswerCounts(db, id);
  return {
    ...toReminderView(row, row.next_run_at ?? null),
    attempts: attempts.map(
      (a): AttemptView => ({
        id: a.id,
        run: a.reminder_run,
        attemptNo: a.attempt_no,
        status: a.status,
        outcome: a.outcome,
        detail: a.detail,
        dueAt: a.due_at.toISOString(),
        dialStartedAt: iso(a.dial_started_at),
        answeredAt: iso(a.answered_at),
        endedAt: iso(a.ended_at),
        durationSeconds: a.duration_seconds,
        callUuid: a.call_uuid,
        label: a.answer_label,
        digits: a.answer_digits,
      }),
    ),
    runs: runAnswers(attempts),
    answers,
  };
}

/** A page of this key's reminders, newest first, continuing strictly after `afterId`. */
export async function listReminders(
  db: DbOrTrx,
  apiKeyId: string,
  page: { limit: number; afterId?: string },
): Promise<{ items: ReminderView[]; hasMore: boolean }> {
  let query = remindersWithNextRun(db, apiKeyId)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(page.limit + 1);
  if (page.afterId !== undefined) {
    const afterId = page.afterId;
    query = query.where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('r.created_at', 'r.id'),
        '<',
        selectFrom('reminders as c')
          .select(['c.created_at', 'c.id'])
          .where('c.id', '=', afterId)
          .where('c.api_key_id', '=', apiKeyId)
          .$asTuple('created_at', 'id'),
      ),
    );
  }
  const rows = await query.execute();
  return {
    items: rows.slice(0, page.limit).map((row) => toReminderView(row, row.next_run_at ?? null)),
    hasMore: rows.length > page.limit,
  };
}
