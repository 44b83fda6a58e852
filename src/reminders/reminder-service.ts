import { sql } from 'kysely';
import { endAttempt } from '../calls/attempt-outcome.ts';
import { UNOWNED } from '../calls/attempt-owners.ts';
import type { Db } from '../db/connect.ts';
import { assertFromRegistered } from '../keys/key-numbers.ts';
import type { CallQueue } from '../queue/queue.ts';
import { removeCallJobs } from '../queue/queue.ts';
import {
  assertConnectAllowed,
  assertNumberTypeAllowed,
  type DialPolicy,
  defaultDialPolicy,
} from '../shared/dial-policy.ts';
import { AppError, coerceError, notFound } from '../shared/errors.ts';
import { type IdempotencyClaim, runIdempotent, type StoredAnswer } from '../shared/idempotency.ts';
import type { Logger } from '../shared/logger.ts';
import { isSuppressed } from '../suppressions/suppression-repository.ts';
import { reminderValues } from './reminder-input.ts';
import { flushReminderOutbox } from './reminder-jobs.ts';
import { insertReminderAttempt, runDueAt } from './reminder-schedule.ts';
import type { CreateReminderInput, ReminderDetail } from './reminder-schema.ts';
import { reminderDetail } from './reminder-view.ts';

export interface ReminderDeps {
  db: Db;
  queue: CallQueue;
  logger: Logger;
  /** Region for numbers without a country code (config.defaultRegion). */
  defaultRegion: string;
  /** Number types and connect targets allowed; default `defaultDialPolicy(defaultRegion)`. */
  policy?: DialPolicy;
}

/**
 * Stores a reminder and its first run (a queued attempt) in one transaction, then hands the run
 * to Redis as a delayed job. With an idempotency claim, a repeat of the same request replays.
 */
export async function createReminder(
  deps: ReminderDeps,
  apiKeyId: string,
  input: CreateReminderInput,
  claim?: Omit<IdempotencyClaim, 'apiKeyId'>,
  now: Date = new Date(),
): Promise<StoredAnswer & { replayed: boolean }> {
  const values = reminderValues(apiKeyId, input, deps.defaultRegion, now);
  const policy = deps.policy ?? defaultDialPolicy(deps.defaultRegion);
  assertNumberTypeAllowed(values.to_number, policy, 'to');
  assertConnectAllowed(input.ncco, policy);
  const answer = await deps.db.transaction().execute(async (trx) => {
    const work = async (): Promise<StoredAnswer> => {
      await assertFromRegistered(trx, apiKeyId, values.from_number);
      if (await isSuppressed(trx, apiKeyId, values.to_number)) throw suppressedTo(values.to_number);
      const reminder = await trx.insertInto('reminders').values(values).returningAll().executeTakeFirstOrThrow();
      // reminderValues already proved a first run exists.
      const dueAt = runDueAt(reminder, 1, now) ?? now;
      await insertReminderAttempt(trx, reminder, 1, 1, dueAt);
      await trx.updateTable('reminders').set({ run_count: 1 }).where('id', '=', reminder.id).execute();
      return { status: 201, body: await reminderDetail(trx, apiKeyId, reminder.id) };
    };
    if (!claim) return { ...(await work()), replayed: false };
    return runIdempotent(trx, { ...claim, apiKeyId }, work);
  });
  await handOver(deps);
  return answer;
}

function suppressedTo(number: string): AppError {
  return new AppError('validation_failed', 400, 'Invalid body: to', {
    details: [{ field: 'to', code: 'suppressed_number', message: `${number} is on this key's do-not-call list` }],
  });
}

/**
 * Moves new attempts into Redis now rather than at the scheduler's next pass. A Redis failure
 * does not fail the request: the reminder is stored and the scheduler retries.
 */
async function handOver(deps: ReminderDeps): Promise<void> {
  try {
    await flushReminderOutbox(deps.db, deps.queue);
  } catch (thrown) {
    deps.logger.warn({ err: coerceError(thrown).message }, 'reminder job not added yet; the scheduler retries');
  }
}

/**
 * Cancels future runs: queued attempts end as `skipped` and their jobs leave Redis. An attempt
 * already under way finishes (one still waiting at the limiter is not sent); it starts no retry
 * and no next run. Cancelling twice is harmless.
 */
export async function cancelReminder(deps: ReminderDeps, apiKeyId: string, id: string): Promise<ReminderDetail> {
  const skipped = await deps.db.transaction().execute(async (trx) => {
    const reminder = await trx
      .selectFrom('reminders')
      .select(['id', 'status'])
      .where('id', '=', id)
      .where('api_key_id', '=', apiKeyId)
      .forUpdate()
      .executeTakeFirst();
    if (!reminder) throw notFound('Reminder', id);
    if (reminder.status !== 'active') return [];
    await trx
      .updateTable('reminders')
      .set({ status: 'cancelled', cancelled_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    // Locked so a worker's queued → dialing update waits for this and then finds nothing to dial.
    const queued = await trx
      .selectFrom('call_attempts')
      .select('id')
      .where('reminder_id', '=', id)
      .where('status', '=', 'queued')
      .forUpdate()
      .execute();
    for (const attempt of queued) {
      // The reminder is being cancelled here: nothing of it is left to schedule.
      await endAttempt(trx, attempt.id, { outcome: 'skipped', detail: 'reminder cancelled' }, UNOWNED);
    }
    return queued.map((attempt) => attempt.id);
  });
  await removeCallJobs(deps.queue, skipped);
  return reminderDetail(deps.db, apiKeyId, id);
}
