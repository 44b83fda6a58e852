import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endAttempt } from '../src/calls/attempt-outcome.ts';
import { changeCampaignStatus } from '../src/campaigns/campaign-control.ts';
import { loadConfig } from '../src/config/config.ts';
import type { CreateCallRequest, GatewayClient } from '../src/gateway/types.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { REMINDER_PRIORITY } from '../src/queue/jobs.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { cancelReminder } from '../src/reminders/reminder-service.ts';
import { attemptOwners } from '../src/start/attempt-owners.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { suppress } from '../src/suppressions/suppression-service.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The last check as the request leaves: a claimed attempt waiting at a full rate guard is not
 * sent once its campaign was paused or cancelled, its reminder deleted or its number
 * suppressed, and the end of a call never retries a suppressed number. Real Postgres, Redis
 * and limiter; a gateway double records what would have reached the gateway.
 */
describe('stops bite at the moment of sending', () => {
  let database: TestDatabase;
  let runtime: Runtime;
  let running: RunningWorker;
  let queue: CallQueue;
  const prefix = testRedisPrefix();
  const sent: CreateCallRequest[] = [];
  const gateway: GatewayClient = {
    async createCall(request) {
      sent.push(request);
      return { uuid: randomUUID(), conversationUuid: randomUUID(), status: 'started', quota: undefined };
    },
    getCall: async (uuid) => ({ uuid, status: 'started', conversationUuid: undefined }),
    hangup: async () => undefined,
    close: async () => undefined,
  };
  const sentTo = (to: string) => sent.filter((r) => r.to === to).length;
  const guardLog = () => `${prefix}:limiter:calls:log`;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      PUBLIC_URL: 'http://127.0.0.1:9',
      WEBHOOK_TOKEN: 'test-token-0123456789',
      CALLS_PER_SECOND: '3',
      RECONCILE_GRACE_MS: '60000',
      WORKER_LOCK_MS: '5000',
      FEEDER_INTERVAL_MS: '200',
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'silent',
    });
    runtime = createRuntime(config, { dbPoolSize: 5 });
    running = startWorker(runtime, { createGateway: () => gateway });
    queue = createCallQueue(runtime.redis(), prefix);
  });
  afterAll(async () => {
    await queue?.close();
    await running?.close();
    await runtime?.close();
    await database?.drop();
  });

  /** Every guard slot taken by requests "in flight" for a minute: a claimed attempt waits. */
  async function fillGuard() {
    const redis = runtime.redis();
    const until = Date.now() + 60_000;
    await redis.zadd(guardLog(), until, 'blocker-1', until, 'blocker-2', until, 'blocker-3');
    await redis.quit();
  }
  async function freeGuard() {
    const redis = runtime.redis();
    await redis.del(guardLog());
    await redis.quit();
  }
  const attemptOf = (campaignId: string) =>
    database.db.selectFrom('call_attempts').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
  const recipientOf = (campaignId: string) =>
    database.db.selectFrom('recipients').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
  const keyOf = async (campaignId: string) =>
    (
      await database.db
        .selectFrom('campaigns')
        .select('api_key_id')
        .where('id', '=', campaignId)
        .executeTakeFirstOrThrow()
    ).api_key_id;
  const controlDeps = () => ({ db: database.db, queue, logger: runtime.logger });

  /** Seeds one recipient and waits until its attempt is claimed and waiting at the full guard. */
  async function claimedAtGuard(firstNumber: number) {
    await fillGuard();
    const seeded = await seedCampaign(database.db, { recipients: 1, firstNumber });
    await waitFor(async () => (await attemptOf(seeded.campaignId))?.status === 'dialing', 8000, 'claimed attempt');
    return { ...seeded, number: seeded.numbers[0] as string };
  }

  it('a campaign cancelled while its claimed attempt waits at the guard sends no create-call', async () => {
    const { campaignId, number } = await claimedAtGuard(31_650_000_000);
    await changeCampaignStatus(controlDeps(), await keyOf(campaignId), campaignId, 'cancel');
    await freeGuard();
    await waitFor(async () => (await attemptOf(campaignId))?.status === 'ended', 8000, 'attempt settled');
    await sleep(500);
    expect(sentTo(number)).toBe(0);
    expect((await attemptOf(campaignId))?.outcome).toBe('skipped');
    expect((await recipientOf(campaignId)).status).not.toBe('pending');
  });

  it('a campaign paused while its claimed attempt waits at the guard sends nothing and its recipient waits again', async () => {
    const { campaignId, number } = await claimedAtGuard(31_651_000_000);
    await changeCampaignStatus(controlDeps(), await keyOf(campaignId), campaignId, 'pause');
    await freeGuard();
    await waitFor(async () => (await attemptOf(campaignId)) === undefined, 8000, 'attempt handed back');
    await sleep(500);
    expect(sentTo(number)).toBe(0);
    const recipient = await recipientOf(campaignId);
    expect(recipient).toMatchObject({ status: 'pending', attempt_count: 0 });
  });

  it('a number suppressed while its claimed attempt waits at the guard is never dialed', async () => {
    const { campaignId, number } = await claimedAtGuard(31_652_000_000);
    await suppress({ ...controlDeps(), defaultRegion: 'NL' }, await keyOf(campaignId), [number]);
    await freeGuard();
    await waitFor(async () => (await attemptOf(campaignId))?.status === 'ended', 8000, 'attempt settled');
    await sleep(500);
    expect(sentTo(number)).toBe(0);
    expect((await attemptOf(campaignId))?.outcome).toBe('suppressed');
    expect(await recipientOf(campaignId)).toMatchObject({ status: 'cancelled', final_outcome: 'suppressed' });
  });

  it('a reminder deleted while its claimed attempt waits at the guard sends no create-call', async () => {
    await fillGuard();
    const key = await createApiKey(database.db, 'stops-reminder');
    const number = '+31653000000';
    const reminder = await database.db
      .insertInto('reminders')
      .values({
        api_key_id: key.id,
        to_number: number,
        from_number: '+31209999999',
        ncco: JSON.stringify([{ action: 'talk', text: 'Your appointment' }]),
        run_at: new Date(),
        retry_policy: JSON.stringify({ maxAttempts: 1, retryOn: [], delaySeconds: 60 }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const attempt = await database.db
      .insertInto('call_attempts')
      .values({ reminder_id: reminder.id, reminder_run: 1, attempt_no: 1, to_number: number, status: 'queued' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await queue.add('reminder', { attemptId: attempt.id, v: 1 }, { jobId: attempt.id, priority: REMINDER_PRIORITY });
    const statusOf = async () =>
      (await database.db.selectFrom('call_attempts').selectAll().where('id', '=', attempt.id).executeTakeFirst())
        ?.status;
    await waitFor(async () => (await statusOf()) === 'dialing', 8000, 'claimed reminder attempt');
    await cancelReminder({ ...controlDeps(), defaultRegion: 'NL' }, key.id, reminder.id);
    await freeGuard();
    await waitFor(async () => (await statusOf()) === 'ended', 8000, 'reminder attempt settled');
    await sleep(500);
    expect(sentTo(number)).toBe(0);
  });

  it('a call that ends busy after its number was suppressed is not retried: the recipient ends suppressed', async () => {
    const { campaignId, number } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_654_000_000 }).then(
      (seeded) => ({ ...seeded, number: seeded.numbers[0] as string }),
    );
    await database.db
      .updateTable('campaigns')
      .set({ retry_policy: JSON.stringify({ maxAttempts: 3, retryOn: ['busy'], delaySeconds: 0 }) })
      .where('id', '=', campaignId)
      .execute();
    const attempt = await waitFor(async () => {
      const row = await attemptOf(campaignId);
      return row?.status === 'started' && row;
    }, 8000);
    await suppress({ ...controlDeps(), defaultRegion: 'NL' }, await keyOf(campaignId), [number]);
    await database.db.transaction().execute((trx) => endAttempt(trx, attempt.id, { outcome: 'busy' }, attemptOwners));
    await sleep(1000);
    expect(await recipientOf(campaignId)).toMatchObject({ status: 'cancelled', final_outcome: 'suppressed' });
    expect(sentTo(number)).toBe(1);
  });
});
