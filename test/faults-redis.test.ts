import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { FairShare } from '../src/queue/fair-share.ts';
import { createCallQueue } from '../src/queue/queue.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type FaultRig, startFaultRig, waitSettled } from './support/faults-harness.ts';
import { type RestartableRedis, startRestartableRedis } from './support/faults-services.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';
import { createCalls } from './support/worker-processes.ts';

/**
 * A dedicated redis-server is crashed (SIGKILL) mid-campaign and started again on the same port
 * 2 s later, under two workers and the API. With an fsynced AOF the queue and limiter state
 * survive; without persistence Redis comes back empty and the feeder rebuilds the queue from
 * Postgres (a `queued` attempt older than 30 s gets its job re-added). Either way: nobody lost,
 * nobody dialed twice, every attempt ended, ≤ 3 create-calls in any second.
 */
describe('Redis crashed and restarted mid-campaign', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let redis: RestartableRedis | undefined;
  let rig: FaultRig | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await startSimulator({ timeScale: 0.005, outcomes: { answered: 1 } });
  });
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    await redis?.close();
    redis = undefined;
    simulator.reset();
  });
  afterAll(async () => {
    await simulator?.close();
    await database?.drop();
  });

  async function crashMidCampaign(
    persist: boolean,
    recipients: number,
    firstNumber: number,
    timeoutMs: number,
    workerEnv: Record<string, string> = {},
  ) {
    redis = await startRestartableRedis({ persist });
    const prefix = testRedisPrefix();
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients, firstNumber });
    rig = await startFaultRig({
      databaseUrl: database.url,
      db: database.db,
      redisUrl: redis.url,
      prefix,
      simulator,
      webhookToken: `faults-${randomBytes(12).toString('hex')}`,
      workerEnv: { WORKER_LOCK_MS: '3000', RECONCILE_GRACE_MS: '3000', ...workerEnv },
    });
    const workers = rig.startWorkers(2);
    await waitFor(async () => createCalls(simulator.requests()).length >= 6, 20_000, 'first calls');
    const before = createCalls(simulator.requests()).length;
    // Attempts waiting in Redis (BullMQ jobs not yet taken by a worker, and the fair-share
    // scheduler's queue before them): what a crash without persistence loses.
    const observer = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = createCallQueue(observer, prefix);
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    const waiting =
      (counts.waiting ?? 0) +
      (counts.prioritized ?? 0) +
      (counts.delayed ?? 0) +
      (await new FairShare(observer, prefix).waiting(campaignId));
    await queue.close();
    observer.disconnect();
    const crashedAt = Date.now();
    await redis.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await redis.start();
    const restartedAt = Date.now();
    const result = await waitSettled(database.db, campaignId, numbers, simulator, timeoutMs, () =>
      workers.map((w) => w.output()).join('\n---\n'),
    );
    const settledMs = Date.now() - restartedAt;
    const next = createCalls(simulator.requests())[before];
    const resumeMs = next ? next.at - restartedAt : Number.NaN;
    console.log(
      `persist=${persist}: ${before} calls and ${waiting} jobs waiting in Redis before the crash, down ${restartedAt - crashedAt} ms, next call ${resumeMs} ms and all settled ${settledMs} ms after the restart; ${JSON.stringify(result)}`,
    );
    expect(result.lost).toEqual([]);
    expect(result.duplicated).toEqual([]);
    expect(result.openAttempts).toBe(0);
    expect(result.openRecipients).toBe(0);
    expect(result.outcomes).toEqual({ completed: recipients });
    expect(result.maxPerSecond).toBeLessThanOrEqual(3);
    // The API kept working through it: its health check sees Redis again.
    const health = await fetch(`${rig.apiUrl}/health`);
    expect(await health.json()).toEqual({ postgres: true, redis: true });
    return { resumeMs, settledMs, waiting };
  }

  it('with an fsynced AOF: the queue survives and calls resume within seconds', async () => {
    // Two jobs per worker at a time, so most of the queue sits in Redis when it crashes.
    const { resumeMs, settledMs, waiting } = await crashMidCampaign(true, 20, 31_660_000_000, 40_000, {
      WORKER_CONCURRENCY: '2',
    });
    expect(waiting).toBeGreaterThanOrEqual(3);
    expect(resumeMs).toBeLessThan(10_000);
    // The waiting jobs came back with the AOF: no 30 s wait for the feeder's stale re-add.
    expect(settledMs).toBeLessThan(25_000);
  });

  it('without persistence: the queue is rebuilt from Postgres and the campaign completes', async () => {
    // As above, most of the queue sits in Redis when it is wiped; the feeder re-adds a `queued` attempt whose job is gone after 30 s (its staleMs).
    const { waiting } = await crashMidCampaign(false, 15, 31_661_000_000, 75_000, { WORKER_CONCURRENCY: '2' });
    expect(waiting).toBeGreaterThanOrEqual(3);
  }, 110_000);
});
