import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endAttempt } from '../src/calls/attempt-outcome.ts';
import type { Outcome } from '../src/calls/call-status.ts';
import { loadReminderDialSpec } from '../src/dispatch/reminder-dial-spec.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { REMINDER_PRIORITY } from '../src/queue/jobs.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { flushReminderOutbox, rescheduleReminders, startReminderScheduler } from '../src/reminders/reminder-jobs.ts';
import { ensureNextRuns, scheduleNextRun } from '../src/reminders/reminder-schedule.ts';
import { createReminderSchema } from '../src/reminders/reminder-schema.ts';
import { cancelReminder, createReminder, type ReminderDeps } from '../src/reminders/reminder-service.ts';
import { createLogger } from '../src/shared/logger.ts';
import { attemptOwners } from '../src/start/attempt-owners.ts';
import { answerNcco } from '../src/webhooks/answer-ncco.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

const logger = createLogger({ level: 'silent' });
const NCCO = [{ action: 'talk', text: 'Reminder' }];

describe('reminder scheduling', () => {
  let database: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let queue: CallQueue;
  let deps: ReminderDeps;
  let keyId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    prefix = testRedisPrefix();
    queue = createCallQueue(redis, prefix);
    deps = { db: database.db, queue, logger, defaultRegion: 'NL' };
    keyId = (await createApiKey(database.db, 'scheduling')).id;
  });
  afterAll(async () => {
    await queue.close();
    await redis.quit();
    await database.drop();
  });

  async function create(body: Record<string, unknown>): Promise<{ id: string; attempts: Array<{ id: string }> }> {
    const input = createReminderSchema.parse({ to: '+31612345678', from: '+31201234567', ncco: NCCO, ...body });
    const answer = await createReminder(deps, keyId, input);
    return answer.body as { id: string; attempts: Array<{ id: string }> };
  }

  const end = (attemptId: string, outcome: Outcome) =>
    database.db.transaction().execute((trx) => endAttempt(trx, attemptId, { outcome }, attemptOwners));

  const attemptsOf = (reminderId: string) =>
    database.db
      .selectFrom('call_attempts')
      .select(['id', 'reminder_run', 'attempt_no', 'status', 'outcome', 'due_at'])
      .where('reminder_id', '=', reminderId)
      .orderBy('reminder_run')
      .orderBy('attempt_no')
      .execute();

  const statusOf = async (reminderId: string) =>
    (await database.db.selectFrom('reminders').select('status').where('id', '=', reminderId).executeTakeFirstOrThrow())
      .status;

  it('keeps every pending reminder across a Redis loss: rescheduleReminders re-adds exactly the missing jobs', async () => {
    const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
    const created = [];
    for (let i = 1; i <= 4; i++) created.push(await create({ at: inMinutes(10 * i) }));
    created.push(await create({ recurrence: { cron: '0 9 * * *', timezone: 'Europe/Amsterdam' } }));
    const ids = created.map((reminder) => reminder.attempts[0]!.id);
    // A restart that lost Redis: the queue and its connection go away, every key under the prefix with them.
    await queue.close();
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    queue = createCallQueue(redis, prefix);
    deps = { ...deps, queue };
    expect(await queue.getJob(ids[0]!)).toBeUndefined();

    const rebuilt = await rescheduleReminders(database.db, queue);
    expect(rebuilt).toEqual({ pending: 5, added: 5 });
    for (const id of ids) {
      const job = await queue.getJob(id);
      expect(await job?.getState()).toBe('delayed');
      expect(job?.opts.priority).toBe(REMINDER_PRIORITY);
    }
    const first = await queue.getJob(ids[0]!);
    const due = (await attemptsOf(created[0]!.id))[0]!.due_at.getTime();
    expect(Math.abs(first!.timestamp + first!.opts.delay! - due)).toBeLessThan(1_000);
    expect(await rescheduleReminders(database.db, queue)).toEqual({ pending: 5, added: 0 });
    for (const reminder of created) await cancelReminder(deps, keyId, reminder.id);
  });

  it('retries a busy one-off per its policy, then completes the reminder', async () => {
    const retry = { maxAttempts: 2, retryOn: ['busy'], delaySeconds: 60 };
    const reminder = await create({ at: new Date(Date.now() + 60_000).toISOString(), retry });
    const firstId = reminder.attempts[0]!.id;
    const before = Date.now();
    expect(await end(firstId, 'busy')).toBe(true);
    const [, second] = await attemptsOf(reminder.id);
    expect(second).toMatchObject({ reminder_run: 1, attempt_no: 2, status: 'queued' });
    expect(second!.due_at.getTime() - before).toBeGreaterThanOrEqual(59_000);
    expect(await flushReminderOutbox(database.db, queue)).toBe(1);
    expect(await queue.getJob(second!.id)).toBeDefined();
    expect(await end(second!.id, 'busy')).toBe(true);
    expect(await attemptsOf(reminder.id)).toHaveLength(2);
    expect(await statusOf(reminder.id)).toBe('completed');
  });

  it('schedules the next run of a recurrence once, however often it is asked', async () => {
    const reminder = await create({ recurrence: { cron: '30 8 * * *', timezone: 'Europe/Amsterdam', count: 2 } });
    const firstId = reminder.attempts[0]!.id;
    const next = await database.db.transaction().execute((trx) => scheduleNextRun(trx, firstId));
    expect(next).toBeDefined();
    expect(await database.db.transaction().execute((trx) => scheduleNextRun(trx, firstId))).toBeUndefined();
    await end(firstId, 'completed');
    const attempts = await attemptsOf(reminder.id);
    expect(attempts.map((a) => [a.reminder_run, a.attempt_no, a.status])).toEqual([
      [1, 1, 'ended'],
      [2, 1, 'queued'],
    ]);
    expect(attempts[1]!.due_at.getTime() - attempts[0]!.due_at.getTime()).toBe(86_400_000);
    // count: 2 — the second run is the last one.
    expect(await database.db.transaction().execute((trx) => scheduleNextRun(trx, attempts[1]!.id))).toBeUndefined();
    await end(attempts[1]!.id, 'completed');
    expect(await statusOf(reminder.id)).toBe('completed');
  });

  it('schedules the next run as soon as the current one is dialing, without waiting for its webhook', async () => {
    const reminder = await create({ recurrence: { cron: '15 7 * * *', timezone: 'Europe/Amsterdam' } });
    const firstId = reminder.attempts[0]!.id;
    expect(await ensureNextRuns(database.db)).toBe(0); // still queued: nothing to do
    await database.db.updateTable('call_attempts').set({ status: 'dialing' }).where('id', '=', firstId).execute();
    expect(await ensureNextRuns(database.db)).toBe(1);
    expect(await ensureNextRuns(database.db)).toBe(0);
    expect((await attemptsOf(reminder.id)).map((a) => [a.reminder_run, a.status])).toEqual([
      [1, 'dialing'],
      [2, 'queued'],
    ]);
    await cancelReminder(deps, keyId, reminder.id);
  });

  it('skips a retry that would come after the next run', async () => {
    const retry = { maxAttempts: 3, retryOn: ['unanswered'], delaySeconds: 7_200 };
    const reminder = await create({ recurrence: { cron: '0 * * * *', timezone: 'UTC' }, retry });
    await end(reminder.attempts[0]!.id, 'unanswered');
    const attempts = await attemptsOf(reminder.id);
    expect(attempts.map((a) => [a.reminder_run, a.attempt_no])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    await cancelReminder(deps, keyId, reminder.id);
  });

  it('lets a run already dialing finish after delete, with no retry and no next run', async () => {
    const retry = { maxAttempts: 3, retryOn: ['busy'], delaySeconds: 60 };
    const reminder = await create({ recurrence: { cron: '0 9 * * *', timezone: 'UTC' }, retry });
    const dialingId = reminder.attempts[0]!.id;
    await database.db.updateTable('call_attempts').set({ status: 'dialing' }).where('id', '=', dialingId).execute();
    const cancelled = await cancelReminder(deps, keyId, reminder.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await loadReminderDialSpec(database.db, dialingId))?.cancelled).toBe(true);
    await end(dialingId, 'busy');
    const attempts = await attemptsOf(reminder.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: 'ended', outcome: 'busy' });
    expect(await statusOf(reminder.id)).toBe('cancelled');
  });

  it('gives the worker and the answer webhook what they need to place the call', async () => {
    const reminder = await create({ at: new Date(Date.now() + 60_000).toISOString(), ringingTimer: 25 });
    const attemptId = reminder.attempts[0]!.id;
    const spec = await loadReminderDialSpec(database.db, attemptId);
    expect(spec).toMatchObject({
      attemptId,
      reminderId: reminder.id,
      attemptStatus: 'queued',
      to: '+31612345678',
      from: '+31201234567',
      ncco: NCCO,
      answerUrl: null,
      callOptions: { ringing_timer: 25 },
      cancelled: false,
    });
    expect(await answerNcco(database.db, attemptId)).toEqual({ ncco: NCCO, found: true });
    // Put on the do-not-call list after scheduling: the worker must not dial it.
    await database.db.insertInto('suppressions').values({ api_key_id: keyId, number: '+31612345678' }).execute();
    expect(await loadReminderDialSpec(database.db, attemptId)).toMatchObject({
      cancelled: true,
      haltReason: 'suppressed',
    });
    await database.db.deleteFrom('suppressions').execute();
    const campaignLike = '00000000-0000-4000-8000-000000000000';
    expect(await loadReminderDialSpec(database.db, campaignLike)).toBeUndefined();
    await cancelReminder(deps, keyId, reminder.id);
  });

  it('moves new attempts into Redis within a poll interval and closes cleanly', async () => {
    const retry = { maxAttempts: 2, retryOn: ['busy'], delaySeconds: 30 };
    const reminder = await create({ at: new Date(Date.now() + 60_000).toISOString(), retry });
    const scheduler = startReminderScheduler({ db: database.db, queue, logger, pollMs: 100 });
    try {
      await end(reminder.attempts[0]!.id, 'busy');
      const retryId = (await attemptsOf(reminder.id))[1]!.id;
      const deadline = Date.now() + 3_000;
      while (!(await queue.getJob(retryId)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await queue.getJob(retryId)).toBeDefined();
    } finally {
      await scheduler.close();
      await scheduler.close();
    }
    expect(await database.db.selectFrom('reminder_outbox').selectAll().execute()).toEqual([]);
  });
});
