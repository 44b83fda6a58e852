import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import {
  type CreateCallRequest,
  type CreateCallResult,
  type GatewayClient,
  GatewayError,
} from '../src/gateway/types.ts';
import { CAMPAIGN_PRIORITY, REMINDER_PRIORITY } from '../src/queue/jobs.ts';
import { createCallQueue } from '../src/queue/queue.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { seedCampaign, seedCampaignAttempt, seedReminderAttempt } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

type Behaviour = (request: CreateCallRequest) => Promise<CreateCallResult>;

/** A gateway double: by default every call is created; `script` queues behaviours per number. */
function fakeGateway() {
  const calls: CreateCallRequest[] = [];
  const script = new Map<string, Behaviour[]>();
  const created: Behaviour = async () => ({
    uuid: randomUUID(),
    conversationUuid: randomUUID(),
    status: 'started',
    quota: undefined,
  });
  const gateway: GatewayClient = {
    async createCall(request) {
      calls.push(request);
      const next = script.get(request.to)?.shift() ?? created;
      return next(request);
    },
    getCall: async (uuid) => ({ uuid, status: 'started', conversationUuid: undefined }),
    hangup: async () => undefined,
    close: async () => undefined,
  };
  return { gateway, calls, script, callsTo: (to: string) => calls.filter((c) => c.to === to).length };
}

describe('call worker (in-process, real Postgres and Redis, gateway double)', () => {
  let database: TestDatabase;
  let runtime: Runtime;
  let running: RunningWorker;
  const fake = fakeGateway();
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      PUBLIC_URL: 'http://127.0.0.1:9',
      WEBHOOK_TOKEN: 'test-token-0123456789',
      CALLS_PER_SECOND: '20',
      RECONCILE_GRACE_MS: '1500',
      WORKER_LOCK_MS: '5000',
      FEEDER_INTERVAL_MS: '200',
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'silent',
    });
    runtime = createRuntime(config, { dbPoolSize: 5 });
    running = startWorker(runtime, { createGateway: () => fake.gateway });
  });
  afterAll(async () => {
    await running?.close();
    await runtime?.close();
    await database?.drop();
  });

  const attemptsOf = (campaignId: string) =>
    database.db.selectFrom('call_attempts').selectAll().where('campaign_id', '=', campaignId).execute();
  const recipientsOf = (campaignId: string) =>
    database.db.selectFrom('recipients').selectAll().where('campaign_id', '=', campaignId).execute();

  it('dials each due recipient once and records the call uuid with status started', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 3, firstNumber: 31_620_000_000 });
    const attempts = await waitFor(async () => {
      const rows = await attemptsOf(campaignId);
      return rows.length === 3 && rows.every((a) => a.status === 'started') && rows;
    }, 10_000);
    expect(attempts.every((a) => a.call_uuid && a.dial_started_at)).toBe(true);
    for (const number of numbers) expect(fake.callsTo(number)).toBe(1);
    const request = fake.calls.find((c) => c.to === numbers[0])!;
    const attempt = attempts.find((a) => a.to_number === numbers[0])!;
    expect(request.eventUrl).toContain(`attempt=${attempt.id}`);
    expect(request.ncco).toEqual([{ action: 'talk', text: 'Hello r0' }]);
    expect((await recipientsOf(campaignId)).every((r) => r.attempt_count === 1)).toBe(true);
  });

  it('a 429 pauses every worker, and the call is retried without counting as an attempt', async () => {
    const number = '+31621000000';
    fake.script.set(number, [
      async () => {
        throw new GatewayError('rate_limited', 'HTTP 429', { httpStatus: 429, retryAfterMs: 1200 });
      },
    ]);
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_621_000_000 });
    await waitFor(async () => (await running.limiter.pauseLeftMs()) > 0 || fake.callsTo(number) > 1, 5000, 'pause');
    const [attempt] = await waitFor(async () => {
      const rows = await attemptsOf(campaignId);
      return rows[0]?.status === 'started' && rows;
    }, 10_000);
    expect(fake.callsTo(number)).toBe(2);
    expect(attempt!.attempt_no).toBe(1);
    expect((await recipientsOf(campaignId))[0]!.attempt_count).toBe(1);
  });

  it("a permanent error ends the attempt with the gateway's reason", async () => {
    const number = '+31622000000';
    fake.script.set(number, [
      async () => {
        throw new GatewayError('permanent', 'HTTP 400', {
          httpStatus: 400,
          problem: { title: 'Bad Request', detail: 'to: invalid' },
        });
      },
    ]);
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_622_000_000 });
    const [attempt] = await waitFor(async () => {
      const rows = await attemptsOf(campaignId);
      return rows[0]?.status === 'ended' && rows;
    }, 10_000);
    expect(attempt).toMatchObject({ outcome: 'error', detail: 'Bad Request: to: invalid' });
    expect((await recipientsOf(campaignId))[0]!.status).toBe('done');
  });

  it('a webhook that beats the create-call response is never overwritten by started', async () => {
    const number = '+31623000000';
    fake.script.set(number, [
      async (request) => {
        await database.db
          .updateTable('call_attempts')
          .set({ status: 'ringing' })
          .where('id', '=', request.attemptId)
          .execute();
        return { uuid: 'early-uuid', conversationUuid: undefined, status: 'started', quota: undefined };
      },
    ]);
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_623_000_000 });
    const [attempt] = await waitFor(async () => {
      const rows = await attemptsOf(campaignId);
      return rows[0]?.call_uuid && rows;
    }, 10_000);
    expect(attempt).toMatchObject({ status: 'ringing', call_uuid: 'early-uuid' });
  });

  it('outside the calling window the job waits, delayed to the next opening, without dialing', async () => {
    const hour = new Date().getUTCHours();
    const closed = {
      start: `${String((hour + 2) % 24).padStart(2, '0')}:00`,
      end: `${String((hour + 3) % 24).padStart(2, '0')}:00`,
      days: [],
    };
    // The feeder leaves a campaign whose window is closed alone, so the job here is one queued
    // while the window was open: the window closes between queueing and dialing.
    const { campaignId, numbers } = await seedCampaign(database.db, {
      recipients: 1,
      firstNumber: 31_624_000_000,
      callWindow: closed,
    });
    const { attemptId } = await seedCampaignAttempt(database.db, campaignId, { status: 'queued' });
    const attempt = { id: attemptId };
    const queue = createCallQueue(runtime.redis(), prefix);
    await queue.add('campaign', { attemptId: attempt.id, v: 1 }, { jobId: attempt.id, priority: CAMPAIGN_PRIORITY });
    const job = await waitFor(
      async () => {
        const found = await queue.getJob(attempt.id);
        return found && (await found.getState()) === 'delayed' && found;
      },
      5000,
      'delayed job',
    );
    expect(job.timestamp + job.delay).toBeGreaterThan(Date.now() + 3_600_000);
    expect(job.opts.priority).toBe(CAMPAIGN_PRIORITY);
    expect(fake.callsTo(numbers[0]!)).toBe(0);
    await queue.close();
  });

  it('a paused campaign hands its recipient back to pending; a cancelled one ends the attempt as skipped', async () => {
    const paused = await seedCampaign(database.db, {
      recipients: 1,
      firstNumber: 31_625_000_000,
      startAt: new Date(Date.now() + 600),
    });
    const cancelled = await seedCampaign(database.db, {
      recipients: 1,
      firstNumber: 31_626_000_000,
      startAt: new Date(Date.now() + 600),
    });
    // Queue them the way the feeder does, then halt the campaigns before a worker gets there.
    await running.limiter.pauseFor(2500, 'test: hold the workers');
    await waitFor(
      async () => (await attemptsOf(paused.campaignId)).length && (await attemptsOf(cancelled.campaignId)).length,
      5000,
    );
    await database.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', paused.campaignId).execute();
    await database.db
      .updateTable('campaigns')
      .set({ status: 'cancelled' })
      .where('id', '=', cancelled.campaignId)
      .execute();
    await waitFor(async () => (await attemptsOf(paused.campaignId)).length === 0, 10_000, 'attempt dropped');
    expect((await recipientsOf(paused.campaignId))[0]).toMatchObject({ status: 'pending', attempt_count: 0 });
    const [skipped] = await waitFor(async () => {
      const rows = await attemptsOf(cancelled.campaignId);
      return rows[0]?.status === 'ended' && rows;
    }, 10_000);
    expect(skipped!.outcome).toBe('skipped');
    expect(fake.callsTo(paused.numbers[0]!) + fake.callsTo(cancelled.numbers[0]!)).toBe(0);
  });

  it('a dial that may have been delivered is not redialed when a webhook names the attempt within the grace', async () => {
    const number = '+31627000000';
    fake.script.set(number, [
      async (request) => {
        // The call was created, its `started` event arrived, but the response was lost.
        await database.db
          .insertInto('call_events')
          .values({
            attempt_id: request.attemptId,
            call_uuid: 'lost-answer-uuid',
            status: 'started',
            dedupe_key: randomUUID(),
            payload: '{}',
          })
          .execute();
        throw new GatewayError('transient', 'socket hang up', { maybeDelivered: true });
      },
    ]);
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_627_000_000 });
    const [attempt] = await waitFor(async () => {
      const rows = await attemptsOf(campaignId);
      return rows[0]?.call_uuid && rows;
    }, 15_000);
    expect(attempt).toMatchObject({ status: 'started', call_uuid: 'lost-answer-uuid' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(fake.callsTo(number)).toBe(1);
  });

  it('a dial left in dialing with no trace is redialed once, as the same attempt, after the grace', async () => {
    const number = '+31628000000';
    fake.script.set(number, [
      async () => {
        throw new GatewayError('transient', 'timeout after sending', { maybeDelivered: true });
      },
    ]);
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_628_000_000 });
    const [attempt] = await waitFor(async () => {
      const rows = await attemptsOf(campaignId);
      return rows[0]?.status === 'started' && rows;
    }, 20_000);
    expect(fake.callsTo(number)).toBe(2);
    const [first, second] = fake.calls.filter((c) => c.to === number);
    expect(first!.attemptId).toBe(attempt!.id);
    expect(second!.attemptId).toBe(attempt!.id);
    expect((await recipientsOf(campaignId))[0]!.attempt_count).toBe(1);
    const rows = await sql<{
      n: string;
    }>`select count(*) as n from call_attempts where campaign_id = ${campaignId}`.execute(database.db);
    expect(Number(rows.rows[0]!.n)).toBe(1);
  });

  it("a reminder attempt on the same queue is dialed with the reminder's numbers and our answer URL", async () => {
    const { attemptId } = await seedReminderAttempt(database.db, { keyName: 'reminder-test', to: '+31629000000' });
    const attempt = { id: attemptId };
    const queue = createCallQueue(runtime.redis(), prefix);
    await queue.add('reminder', { attemptId: attempt.id, v: 1 }, { jobId: attempt.id, priority: REMINDER_PRIORITY });
    const row = await waitFor(async () => {
      const found = await database.db
        .selectFrom('call_attempts')
        .selectAll()
        .where('id', '=', attempt.id)
        .executeTakeFirst();
      return found?.status === 'started' && found;
    }, 10_000);
    expect(row.call_uuid).toBeTruthy();
    const request = fake.calls.find((c) => c.attemptId === attempt.id)!;
    expect(request).toMatchObject({ to: '+31629000000', from: '+31209999999' });
    expect(request.answerUrl).toContain(`/webhooks/answer?attempt=${attempt.id}`);
    await queue.close();
  });
});
