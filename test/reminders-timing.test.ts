import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createGatewayClient } from '../src/gateway/create-gateway-client.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { createCallQueue } from '../src/queue/queue.ts';
import { createReminderSchema } from '../src/reminders/reminder-schema.ts';
import { cancelReminder, createReminder, type ReminderDeps } from '../src/reminders/reminder-service.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * A reminder against a running campaign: real worker, real shared limiter at the gateway's 3/s,
 * the gateway simulator over HTTP. The campaign's backlog (hundreds of recipients, far more than
 * 3/s can clear in the test) is queued in Redis and held in the limiter when the reminder falls due.
 */
describe('reminders under a campaign backlog (worker + simulator)', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let runtime: Runtime;
  let running: RunningWorker;
  let deps: ReminderDeps;
  let keyId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Calls play out at 1/50 of real time: the backlog is about the create-call rate, not call length.
    simulator = await startSimulator({ callsPerSecond: 3, timeScale: 0.02, quotaLimit: 10_000_000 });
    const options = simulator.options();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: testRedisPrefix(),
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: options.clientId,
      GATEWAY_CLIENT_SECRET: options.clientSecret,
      GATEWAY_APPLICATION_ID: 'reminders-timing',
      // Callbacks go nowhere: this test measures when calls are placed, not how they end.
      PUBLIC_URL: 'http://127.0.0.1:9',
      WEBHOOK_TOKEN: 'reminders-timing-token-0123',
      CALLS_PER_SECOND: '3',
      FEEDER_INTERVAL_MS: '200',
      LOG_LEVEL: 'silent',
    });
    runtime = createRuntime(config, { dbPoolSize: 6 });
    running = startWorker(runtime, {
      createGateway: (onQuota) =>
        createGatewayClient(config, { logger: runtime.logger, redis: runtime.redis(), onQuota }),
    });
    const queue = createCallQueue(runtime.redis(), config.redisKeyPrefix);
    runtime.onClose('reminder test queue', () => queue.close());
    deps = { db: database.db, queue, logger: runtime.logger, defaultRegion: 'NL' };
    keyId = (await createApiKey(database.db, 'timing')).id;
    await seedCampaign(database.db, { recipients: 300, firstNumber: 31_630_000_000 });
    // The backlog is real: the worker is dialing the campaign and most of it waits in Redis.
    await waitFor(async () => createCalls().length >= 3, 10_000, 'campaign dialing');
  });
  afterAll(async () => {
    await running?.close();
    await runtime?.close();
    await simulator?.close();
    await database?.drop();
  });

  const createCalls = () => simulator.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/calls'));
  const callsTo = (digits: string) => createCalls().filter((r) => r.to === digits);

  async function remindAt(to: string, at: Date) {
    const input = createReminderSchema.parse({
      to,
      from: '+31201234567',
      ncco: [{ action: 'talk', text: 'Hi' }],
      at: at.toISOString(),
    });
    return (await createReminder(deps, keyId, input)).body as { id: string; attempts: Array<{ id: string }> };
  }

  it('places a reminder due in 3 s within 1 s of its time while the campaign backlog waits', async () => {
    const due = new Date(Date.now() + 3_000);
    await remindAt('+31612345001', due);
    const [request] = await waitFor(async () => callsTo('31612345001').length > 0 && callsTo('31612345001'), 12_000);
    const lateMs = request!.at - due.getTime();
    const waiting = await database.db
      .selectFrom('call_attempts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', 'is not', null)
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    console.info(`reminder placed ${lateMs} ms after its due time; ${waiting.n} campaign attempts still queued`);
    // The backlog waits in Postgres and the fair-share scheduler; Redis holds a campaign window
    // of at most 20 queued attempts at 3/s (dispatch/README.md "Fair share").
    expect(Number(waiting.n)).toBeGreaterThanOrEqual(10);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(1_000);
  });

  it('never dials a reminder deleted before its time', async () => {
    const due = new Date(Date.now() + 1_500);
    const reminder = await remindAt('+31612345002', due);
    await cancelReminder(deps, keyId, reminder.id);
    await new Promise((resolve) => setTimeout(resolve, due.getTime() - Date.now() + 1_500));
    expect(callsTo('31612345002')).toEqual([]);
    const attempt = await database.db
      .selectFrom('call_attempts')
      .select(['status', 'outcome', 'dial_started_at'])
      .where('id', '=', reminder.attempts[0]!.id)
      .executeTakeFirstOrThrow();
    expect(attempt).toEqual({ status: 'ended', outcome: 'skipped', dial_started_at: null });
  });
});
