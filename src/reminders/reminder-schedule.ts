import { sql } from 'kysely';
import type { EndedAttempt } from '../calls/attempt-owners.ts';
import type { Outcome } from '../calls/call-status.ts';
import { nextRetryAt } from '../calls/retry-policy.ts';
import type { Db, Trx } from '../db/connect.ts';
import type { CallWindowJson, Reminder } from '../db/database.ts';
import { windowState } from '../shared/call-window.ts';
import { nextRun } from './recurrence.ts';

/**
 * A reminder's runs live in Postgres as call_attempts rows; each new row also gets an outbox
 * row, which the reminder scheduler turns into a delayed BullMQ job (see reminder-jobs.ts).
 * So every function here only writes Postgres, inside the caller's transaction.
 */
export interface ScheduledAttempt {
  id: string;
  dueAt: Date;
}

/**
 * A run or retry never starts outside its call window: it moves to the window's next opening
 * (the same rule the dispatch worker applies to campaigns), rather than being dropped.
 */
function fitIntoWindow(at: Date, window: CallWindowJson | null, zone: string): Date {
  const state = windowState(at, window, zone);
  return state.open ? at : state.opensAt;
}

/** The reminder, locked: scheduling decisions for one reminder happen one at a time. */
async function lockReminder(trx: Trx, reminderId: string): Promise<Reminder | undefined> {
  return trx.selectFrom('reminders').selectAll().where('id', '=', reminderId).forUpdate().executeTakeFirst();
}

/** Inserts a queued attempt and its outbox row; a second insert of the same run and attempt is a no-op. */
export async function insertReminderAttempt(
  trx: Trx,
  reminder: Pick<Reminder, 'id' | 'to_number'>,
  run: number,
  attemptNo: number,
  dueAt: Date,
): Promise<ScheduledAttempt | undefined> {
  const row = await trx
    .insertInto('call_attempts')
    .values({
      reminder_id: reminder.id,
      reminder_run: run,
      attempt_no: attemptNo,
      to_number: reminder.to_number,
      status: 'queued',
      due_at: dueAt,
    })
    .onConflict((conflict) =>
      conflict.columns(['reminder_id', 'reminder_run', 'attempt_no']).where('reminder_id', 'is not', null).doNothing(),
    )
    .returning(['id', 'due_at'])
    .executeTakeFirst();
  if (!row) return undefined;
  await trx.insertInto('reminder_outbox').values({ attempt_id: row.id }).execute();
  return { id: row.id, dueAt: row.due_at };
}

/** When run `run` is due: the schedule's instant moved into the call window, or undefined when over. */
export function runDueAt(reminder: Reminder, run: number, after: Date): Date | undefined {
  let at: Date | undefined;
  if (reminder.run_at) {
    at = run === 1 ? reminder.run_at : undefined;
  } else if (reminder.cron) {
    const rule = {
      cron: reminder.cron,
      timezone: reminder.timezone,
      until: reminder.until_at,
      count: reminder.max_runs,
    };
    at = nextRun(rule, run, after);
  }
  return at && fitIntoWindow(at, reminder.call_window, reminder.timezone);
}

/**
 * Schedules the run after the one `attemptId` belongs to, once: call it when a reminder's
 * attempt starts dialing (so a lost webhook never stalls a recurrence) and again when it ends.
 * Missed occurrences are skipped, not replayed: the next run is the first occurrence after
 * both this attempt's due time and `now`. Returns the new attempt, or undefined if there is
 * none (already scheduled, one-off, recurrence over, reminder not active).
 */
export async function scheduleNextRun(
  trx: Trx,
  attemptId: string,
  now: Date = new Date(),
): Promise<ScheduledAttempt | undefined> {
  const attempt = await trx
    .selectFrom('call_attempts')
    .select(['reminder_id', 'reminder_run', 'due_at'])
    .where('id', '=', attemptId)
    .executeTakeFirst();
  if (!attempt?.reminder_id || attempt.reminder_run == null) return undefined;
  const reminder = await lockReminder(trx, attempt.reminder_id);
  if (reminder?.status !== 'active' || reminder.run_count > attempt.reminder_run) return undefined;
  const after = new Date(Math.max(attempt.due_at.getTime(), now.getTime()));
  const run = attempt.reminder_run + 1;
  const dueAt = runDueAt(reminder, run, after);
  if (!dueAt) return undefined;
  await trx
    .updateTable('reminders')
    .set({ run_count: run, updated_at: sql`now()` })
    .where('id', '=', reminder.id)
    .execute();
  return insertReminderAttempt(trx, reminder, run, 1, dueAt);
}

/**
 * What happens after a reminder's attempt ended (its `AttemptOwners.settle`): the next run is
 * ensured; a retry is added per the reminder's policy unless the next run comes first (it
 * supersedes the retry); with nothing left open, the reminder is completed.
 */
export async function settleReminderAttempt(
  trx: Trx,
  attempt: EndedAttempt,
  outcome: Outcome,
  now: Date = new Date(),
): Promise<void> {
  if (!attempt.reminderId) return;
  const reminder = await lockReminder(trx, attempt.reminderId);
  if (reminder?.status !== 'active') return;
  await scheduleNextRun(trx, attempt.id, now);
  const retryAt = nextRetryAt(reminder.retry_policy, attempt.attemptNo, outcome, now);
  if (retryAt && attempt.reminderRun != null) {
    const due = fitIntoWindow(retryAt, reminder.call_window, reminder.timezone);
    const later = await openAttempts(trx, reminder.id, attempt.reminderRun);
    const nextRunDue = later.reduce<number>((min, row) => Math.min(min, row.due_at.getTime()), Infinity);
    if (due.getTime() < nextRunDue) {
      await insertReminderAttempt(trx, reminder, attempt.reminderRun, attempt.attemptNo + 1, due);
    }
  }
  if ((await openAttempts(trx, reminder.id, 0)).length === 0) {
    await trx
      .updateTable('reminders')
      .set({ status: 'completed', completed_at: now, updated_at: sql`now()` })
      .where('id', '=', reminder.id)
      .execute();
  }
}

/** Attempts of runs after `afterRun` that have not ended. */
function openAttempts(trx: Trx, reminderId: string, afterRun: number) {
  return trx
    .selectFrom('call_attempts')
    .select(['id', 'due_at'])
    .where('reminder_id', '=', reminderId)
    .where('reminder_run', '>', afterRun)
    .where('status', '<>', 'ended')
    .execute();
}

/**
 * Schedules the next run of every active recurrence whose latest run has started dialing (or
 * ended) without one: the scheduler's safety net, so a recurrence never depends on the worker
 * or a webhook calling `scheduleNextRun`. Returns how many runs it added.
 */
export async function ensureNextRuns(db: Db, limit = 200, now: Date = new Date()): Promise<number> {
  const rows = await latestRunsDialedQuery(db, limit).execute();
  let added = 0;
  for (const row of rows) {
    if (await db.transaction().execute((trx) => scheduleNextRun(trx, row.id, now))) added++;
  }
  return added;
}

/**
 * The once-a-second scan: first attempts of the latest run of active recurring reminders that
 * have left `queued`. Walks the partial index reminders_active_recurring (migration 0010), so it
 * costs the number of active recurrences, not every reminder ever made.
 */
export function latestRunsDialedQuery(db: Db, limit: number) {
  return db
    .selectFrom('reminders as r')
    .innerJoin('call_attempts as a', (join) =>
      join.onRef('a.reminder_id', '=', 'r.id').onRef('a.reminder_run', '=', 'r.run_count').on('a.attempt_no', '=', 1),
    )
    .select('a.id')
    .where('r.status', '=', 'active')
    .where('r.cron', 'is not', null)
    .where('a.status', '<>', 'queued')
    .limit(limit);
}
