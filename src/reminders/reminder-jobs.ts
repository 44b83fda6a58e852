import type { JobsOptions } from 'bullmq';
import type { Db } from '../db/connect.ts';
import { callJobId, REMINDER_PRIORITY } from '../queue/jobs.ts';
import type { CallQueue } from '../queue/queue.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { runPeriodically } from '../shared/periodic.ts';
import { ensureNextRuns, type ScheduledAttempt } from './reminder-schedule.ts';

// Rows per round trip when moving attempts into Redis; bounds one transaction's lock set.
const BATCH = 200;
// How often the scheduler looks for new reminder attempts (next runs, retries). Their due times
// are minutes away, and the delay is computed when the job is added, so 1 s costs no accuracy.
const DEFAULT_POLL_MS = 1_000;
// How often the scheduler also checks every queued reminder attempt for its job in Redis (jobs
// lost to a Redis restart without persistence, or removed after a Postgres outage used up their
// tries). One getJob per queued attempt, so not every poll; 30 s bounds how late a lost one runs.
const DEFAULT_RESCHEDULE_MS = 30_000;

/**
 * A delayed job at REMINDER_PRIORITY: once due it runs before every waiting campaign job.
 * Retries and removal come from the call queue's default job options, as for campaigns.
 */
function reminderJobOptions(attempt: ScheduledAttempt, now: number = Date.now()): JobsOptions {
  return {
    jobId: callJobId(attempt.id),
    delay: Math.max(0, attempt.dueAt.getTime() - now),
    priority: REMINDER_PRIORITY,
  };
}

/** Adds delayed jobs; BullMQ ignores an add whose jobId (the attempt id) already exists. */
async function enqueueReminderAttempts(queue: CallQueue, attempts: readonly ScheduledAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  const now = Date.now();
  await queue.addBulk(
    attempts.map((attempt) => ({
      name: 'reminder',
      data: { attemptId: attempt.id, v: 1 as const },
      opts: reminderJobOptions(attempt, now),
    })),
  );
}

/**
 * Moves outbox rows into Redis: jobs are added before the rows are deleted, in one transaction
 * with `skip locked`, so several schedulers share the work and a crash only re-adds (a no-op).
 */
export async function flushReminderOutbox(db: Db, queue: CallQueue): Promise<number> {
  let moved = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('reminder_outbox as o')
        .innerJoin('call_attempts as a', 'a.id', 'o.attempt_id')
        .select(['a.id', 'a.due_at', 'a.status'])
        .orderBy('o.created_at')
        .limit(BATCH)
        .forUpdate('o')
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      const pending = rows.filter((row) => row.status === 'queued');
      await enqueueReminderAttempts(
        queue,
        pending.map((row) => ({ id: row.id, dueAt: row.due_at })),
      );
      const ids = rows.map((row) => row.id);
      await trx.deleteFrom('reminder_outbox').where('attempt_id', 'in', ids).execute();
      return rows.length;
    });
    moved += batch;
    if (batch < BATCH) return moved;
  }
}

export interface RescheduleResult {
  /** Reminder attempts waiting to be dialed, per Postgres. */
  pending: number;
  /** Of those, how many had no job in Redis and were added. */
  added: number;
}

/**
 * Rebuilds Redis from Postgres: every queued reminder attempt whose job is missing gets it back,
 * with its delay recomputed (an overdue one runs at once). Safe to run at any time and from
 * several processes: adds are idempotent by jobId. Run it on start-up of workers and the API.
 */
export async function rescheduleReminders(db: Db, queue: CallQueue): Promise<RescheduleResult> {
  const result: RescheduleResult = { pending: 0, added: 0 };
  let cursor = { dueAt: new Date(0), id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    const rows = await db
      .selectFrom('call_attempts')
      .select(['id', 'due_at'])
      .where('reminder_id', 'is not', null)
      .where('status', '=', 'queued')
      .where((eb) =>
        eb.or([eb('due_at', '>', cursor.dueAt), eb.and([eb('due_at', '=', cursor.dueAt), eb('id', '>', cursor.id)])]),
      )
      .orderBy('due_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    const present = await Promise.all(rows.map((row) => queue.getJob(callJobId(row.id))));
    const missing = rows.filter((_row, i) => !present[i]).map((row) => ({ id: row.id, dueAt: row.due_at }));
    await enqueueReminderAttempts(queue, missing);
    result.pending += rows.length;
    result.added += missing.length;
    const last = rows[rows.length - 1]!;
    cursor = { dueAt: last.due_at, id: last.id };
  }
  // Everything queued is now in Redis; the outbox has nothing left to say.
  await flushReminderOutbox(db, queue);
  return result;
}

export interface ReminderScheduler {
  close(): Promise<void>;
}

export interface ReminderSchedulerOptions {
  db: Db;
  queue: CallQueue;
  logger: Logger;
  /** How often to move new reminder attempts into Redis, in ms; default 1000. */
  pollMs?: number;
  /** How often to rebuild missing reminder jobs from Postgres (`rescheduleReminders`), in ms; default 30 000. */
  rescheduleEveryMs?: number;
}

/**
 * Runs `rescheduleReminders` at once and every `rescheduleEveryMs`, and every `pollMs` schedules
 * missing next runs of recurrences already dialing (`ensureNextRuns`) and moves new reminder
 * attempts (next runs and retries written by `endAttempt`) into Redis. One per worker/API
 * process; several share safely.
 */
export function startReminderScheduler(options: ReminderSchedulerOptions): ReminderScheduler {
  const { db, queue, logger } = options;
  const log = logger.child({ component: 'reminder-scheduler' });
  const rescheduleEveryMs = options.rescheduleEveryMs ?? DEFAULT_RESCHEDULE_MS;
  let lastRebuild = Number.NEGATIVE_INFINITY;
  return runPeriodically(async () => {
    try {
      if (Date.now() - lastRebuild >= rescheduleEveryMs) {
        if (lastRebuild !== Number.NEGATIVE_INFINITY) await ensureNextRuns(db);
        const result = await rescheduleReminders(db, queue);
        // Logged when something was missing (and once at start-up): a lost job is worth knowing of.
        if (lastRebuild === Number.NEGATIVE_INFINITY || result.added > 0) {
          log.info(result, 'reminder jobs rebuilt from postgres');
        }
        lastRebuild = Date.now();
      } else {
        await ensureNextRuns(db);
        await flushReminderOutbox(db, queue);
      }
    } catch (thrown) {
      log.warn({ err: coerceError(thrown).message }, 'reminder scheduling pass failed');
    }
  }, options.pollMs ?? DEFAULT_POLL_MS);
}
