import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createGatewayClient } from '../src/gateway/create-gateway-client.ts';
import { REMINDER_PRIORITY } from '../src/queue/jobs.ts';
import { createCallQueue } from '../src/queue/queue.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { seedCampaign, seedReminderAttempt } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/** A gateway outage that outlasts every try of a job: real worker, simulator over HTTP, 2 tries per job. */
describe('gateway outage longer than a job’s tries', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let runtime: Runtime;
  let running: RunningWorker;
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await startSimulator({ callsPerSecond: 3, timeScale: 0.02, tokenEndpointDown: true });
    const options = simulator.options();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: options.clientId,
      GATEWAY_CLIENT_SECRET: options.clientSecret,
      GATEWAY_APPLICATION_ID: 'worker-outage',
      PUBLIC_URL: 'http://127.0.0.1:9',
      WEBHOOK_TOKEN: 'worker-outage-token-0123',
      CALLS_PER_SECOND: '3',
      FEEDER_INTERVAL_MS: '200',
      LOG_LEVEL: 'silent',
    });
    runtime = createRuntime(config, { dbPoolSize: 4 });
    running = startWorker(runtime, {
      createGateway: (onQuota) =>
        createGatewayClient(config, { logger: runtime.logger, redis: runtime.redis(), onQuota }),
      jobAttempts: 2,
    });
  });
  afterAll(async () => {
    await running?.close();
    await runtime?.close();
    await simulator?.close();
    await database?.drop();
  });

  it('a reminder whose every try failed before leaving keeps its attempt queued and its job waits minutes', async () => {
    // Runs first: the worker has no token yet, and the token endpoint is down.
    const { attemptId } = await seedReminderAttempt(database.db, { keyName: 'outage-reminder', to: '+31641000000' });
    const attempt = { id: attemptId };
    const redis = runtime.redis();
    const queue = createCallQueue(redis, prefix, 2);
    try {
      await queue.add('reminder', { attemptId: attempt.id, v: 1 }, { jobId: attempt.id, priority: REMINDER_PRIORITY });
      // BullMQ scores a delayed job by its due time × 4096. The first try's backoff is 1–2 s;
      // after the last try the job waits minutes.
      const dueInMs = async () =>
        Number(await redis.zscore(queue.keys.delayed as string, attempt.id)) / 0x1000 - Date.now();
      await waitFor(async () => (await dueInMs()) > 60_000, 15_000, 'reminder job delayed after its last try');
      expect(await dueInMs()).toBeGreaterThan(4 * 60_000);
      expect((await queue.getJob(attempt.id))?.attemptsMade).toBe(1);
      const row = await database.db
        .selectFrom('call_attempts')
        .select(['status', 'dial_started_at'])
        .where('id', '=', attempt.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'queued', dial_started_at: null });
      expect(simulator.requests().filter((r) => r.method === 'POST' && r.to === '31641000000')).toEqual([]);
    } finally {
      await queue.close();
    }
  });

  it('a request that never left on any try puts the recipient back to pending minutes later, uncounted, and it is dialed once the gateway is back', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_640_000_000 });
    const recipient = () =>
      database.db.selectFrom('recipients').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
    const attempts = () =>
      database.db.selectFrom('call_attempts').selectAll().where('campaign_id', '=', campaignId).execute();
    // Fed, tried twice (the token endpoint answers 503 each time), then handed back.
    await waitFor(async () => (await attempts()).length > 0, 5_000, 'attempt queued');
    const back = await waitFor(
      async () => {
        const row = await recipient();
        return row.status === 'pending' && row.next_attempt_at !== null && row;
      },
      15_000,
      'recipient back to pending',
    );
    const laterMs = back.next_attempt_at!.getTime() - Date.now();
    expect(laterMs).toBeGreaterThan(4 * 60_000);
    expect(laterMs).toBeLessThan(6 * 60_000);
    expect(back.attempt_count).toBe(0);
    expect(await attempts()).toEqual([]);
    const campaign = await database.db
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    expect(campaign.status).toBe('running');
    expect(simulator.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/calls'))).toEqual([]);
    // The gateway is back and the minutes have passed: the number is dialed, as attempt 1.
    simulator.configure({ tokenEndpointDown: false });
    await database.db
      .updateTable('recipients')
      .set({ next_attempt_at: new Date() })
      .where('id', '=', back.id)
      .execute();
    const [dialed] = await waitFor(
      async () => {
        const rows = await attempts();
        return rows[0]?.status === 'started' && rows;
      },
      10_000,
      'dialed after the outage',
    );
    expect(dialed!.attempt_no).toBe(1);
    const created = simulator.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/calls'));
    expect(created.map((r) => r.to)).toEqual([numbers[0]!.slice(1)]);
  });
});
