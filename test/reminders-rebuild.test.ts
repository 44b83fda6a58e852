import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJobId } from '../src/queue/jobs.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { type ReminderScheduler, startReminderScheduler } from '../src/reminders/reminder-jobs.ts';
import { createLogger } from '../src/shared/logger.ts';
import { seedReminderAttempt } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * Reminder jobs lost from Redis while processes keep running (Redis restarted without
 * persistence, or a Postgres outage that used up a due job's tries: failed jobs are removed) are
 * rebuilt from Postgres by the running scheduler, without a restart.
 */
describe('reminder jobs are rebuilt while the scheduler runs', () => {
  let database: TestDatabase;
  let redis: Redis;
  let queue: CallQueue;
  let scheduler: ReminderScheduler;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queue = createCallQueue(redis, testRedisPrefix());
    scheduler = startReminderScheduler({
      db: database.db,
      queue,
      logger: createLogger({ level: 'silent' }),
      pollMs: 100,
      rescheduleEveryMs: 500,
    });
  });
  afterAll(async () => {
    await scheduler?.close();
    await queue?.close();
    redis?.disconnect();
    await database?.drop();
  });

  it('a queued reminder attempt whose job vanished from Redis gets its job back within moments', async () => {
    const { attemptId } = await seedReminderAttempt(database.db, { keyName: 'rebuild', to: '+31656000000' });
    // Due in an hour: no worker runs here, the job just has to be there, delayed.
    await database.db
      .updateTable('call_attempts')
      .set({ due_at: new Date(Date.now() + 3_600_000) })
      .where('id', '=', attemptId)
      .execute();
    const jobId = callJobId(attemptId);
    await waitFor(async () => (await queue.getJobState(jobId)) === 'delayed', 5000, 'job added');
    await queue.remove(jobId);
    expect(await queue.getJobState(jobId)).toBe('unknown');
    await waitFor(async () => (await queue.getJobState(jobId)) === 'delayed', 5000, 'job rebuilt');
    const job = await queue.getJob(jobId);
    expect(job!.timestamp + job!.delay).toBeGreaterThan(Date.now() + 3_500_000);
  });
});
