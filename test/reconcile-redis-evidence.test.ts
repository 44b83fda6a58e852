import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import type { CreateCallRequest, GatewayClient } from '../src/gateway/types.ts';
import { CAMPAIGN_PRIORITY } from '../src/queue/jobs.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { createEventBuffer } from '../src/webhooks/event-buffer.ts';
import { seedCampaign, seedCampaignAttempt } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * An unconfirmed dial (`dialing`, no uuid, grace long past) whose only evidence is a webhook
 * still waiting in the Redis event buffer (received while Postgres was down, not drained yet):
 * reconciliation finds it there and never redials.
 */
describe('reconciliation asks the Redis event buffer before it redials', () => {
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

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      PUBLIC_URL: 'http://127.0.0.1:9',
      WEBHOOK_TOKEN: 'test-token-0123456789',
      RECONCILE_GRACE_MS: '4000',
      FEEDER_INTERVAL_MS: '200',
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

  it('a buffered webhook naming the attempt stops the redial and its uuid is stored', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_657_000_000 });
    // Claimed and sent a minute ago; the answer was lost and Postgres never heard of the call.
    const seeded = await seedCampaignAttempt(database.db, campaignId, { status: 'dialing', dialedSecondsAgo: 60 });
    const attempt = { id: seeded.attemptId };
    const callUuid = randomUUID();
    const buffer = createEventBuffer(database.db, runtime.redis(), prefix, runtime.logger);
    await buffer.push(attempt.id, {
      uuid: callUuid,
      conversation_uuid: randomUUID(),
      status: 'started',
      direction: 'outbound',
      timestamp: new Date().toISOString(),
      to: seeded.number.slice(1),
      from: '31201234567',
    });
    await queue.add('call', { attemptId: attempt.id, v: 1 }, { jobId: attempt.id, priority: CAMPAIGN_PRIORITY });
    const row = await waitFor(
      async () => {
        const found = await database.db
          .selectFrom('call_attempts')
          .selectAll()
          .where('id', '=', attempt.id)
          .executeTakeFirst();
        return found?.call_uuid && found;
      },
      10_000,
      'uuid from the buffered event',
    );
    expect(row.call_uuid).toBe(callUuid);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sent).toHaveLength(0);
  });

  it('after a Postgres outage the grace counts from its end: no redial until a grace after it', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_658_000_000 });
    // Dialed a minute ago, far past the 4 s grace; but a worker found Postgres down just now.
    const seeded = await seedCampaignAttempt(database.db, campaignId, { status: 'dialing', dialedSecondsAgo: 60 });
    const attempt = { id: seeded.attemptId };
    const redis = runtime.redis();
    await redis.set(`${prefix}:dispatch:storage-down-at`, String(Date.now()), 'PX', 60_000);
    await redis.quit();
    const addedAt = Date.now();
    await queue.add('call', { attemptId: attempt.id, v: 1 }, { jobId: attempt.id, priority: CAMPAIGN_PRIORITY });
    await waitFor(async () => sent.some((r) => r.attemptId === attempt.id), 20_000, 'the redial');
    const redial = sent.find((r) => r.attemptId === attempt.id);
    expect(redial).toBeDefined();
    // The redial waited a grace (4 s) after the outage was seen, not 0 s after a minute-old dial.
    expect(Date.now() - addedAt).toBeGreaterThanOrEqual(3_500);
  });
});
