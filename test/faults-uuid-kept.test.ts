import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import type { CreateCallRequest, GatewayClient } from '../src/gateway/types.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type OutageProxy, startOutageProxy } from './support/faults-services.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * As faults-uuid-outage.test.ts, but the outage outlasts the dialing job's patience (60 s in
 * production, 500 ms here): the job gives up storing the uuid and fails. The uuid kept in Redis
 * lets reconciliation store it once Postgres is back, so the number is never dialed again.
 */
describe('a created call whose uuid cannot be stored for longer than the job waits', () => {
  let database: TestDatabase;
  let proxy: OutageProxy;
  let runtime: Runtime;
  let running: RunningWorker;
  const requests: CreateCallRequest[] = [];
  const uuids: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startOutageProxy(Number(new URL(database.url).port));
    const gateway: GatewayClient = {
      async createCall(request) {
        requests.push(request);
        // The call is placed; as its answer travels back, Postgres becomes unreachable for 4 s.
        await proxy.cut();
        setTimeout(() => void proxy.restore(), 4_000);
        const uuid = randomUUID();
        uuids.push(uuid);
        return { uuid, conversationUuid: randomUUID(), status: 'started', quota: undefined };
      },
      getCall: async (uuid) => ({ uuid, status: 'started', conversationUuid: undefined }),
      hangup: async () => undefined,
      close: async () => undefined,
    };
    runtime = createRuntime(
      loadConfig({
        DATABASE_URL: proxy.url(database.url),
        REDIS_URL: testRedisUrl(),
        REDIS_KEY_PREFIX: testRedisPrefix(),
        PUBLIC_URL: 'http://127.0.0.1:9',
        WEBHOOK_TOKEN: 'test-token-0123456789',
        // Shorter than the outage: a worker that lost the uuid would redial within the test.
        RECONCILE_GRACE_MS: '1000',
        WORKER_LOCK_MS: '5000',
        FEEDER_INTERVAL_MS: '200',
        LOG_LEVEL: 'silent',
      }),
      { dbPoolSize: 3 },
    );
    running = startWorker(runtime, { createGateway: () => gateway, storeUuidPatienceMs: 500 });
  });
  afterAll(async () => {
    // The outage ends by itself (timer above); a second restore would open a second listener.
    await running?.close();
    await runtime?.close();
    await proxy?.close();
    await database?.drop();
  });

  it('the uuid kept in Redis is stored by reconciliation and the number is never dialed again', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_691_000_000 });
    const attempt = await waitFor(
      async () =>
        (
          await database.db
            .selectFrom('call_attempts')
            .selectAll()
            .where('campaign_id', '=', campaignId)
            .where('call_uuid', 'is not', null)
            .execute()
        )[0],
      30_000,
      'the uuid stored',
    );
    expect(attempt.call_uuid).toBe(uuids[0]);
    expect(attempt.status).toBe('started');
    // Well past grace and job backoff: a lost uuid would have been redialed by now.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(requests).toHaveLength(1);
  });
});
