import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../src/api/start.ts';
import { loadConfig } from '../src/config/config.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { type Simulator, startSimulator } from '../src/simulator/simulator.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';
import { maxInWindow } from './support/windows.ts';
import {
  acceptedByNumber,
  createCalls,
  spawnWorker,
  stopWorker,
  type WorkerProcess,
} from './support/worker-processes.ts';

const WEBHOOK_TOKEN = 'dispatch-test-token-0123456789';

/**
 * The whole pipeline across OS processes: three `callcast worker` processes, the gateway
 * simulator (3 calls/s, 429 beyond), and the API in this process receiving the simulator's
 * event webhooks. Each scenario has its own campaign, Redis prefix and workers.
 */
describe('three worker processes against the gateway simulator', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let api: Runtime;
  let publicUrl: string;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await startSimulator({ timeScale: 0.005, outcomes: { answered: 1 }, callsPerSecond: 3 });
    api = createRuntime(
      loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        REDIS_KEY_PREFIX: testRedisPrefix(),
        WEBHOOK_TOKEN,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
      }),
    );
    publicUrl = `http://127.0.0.1:${await startApi(api)}`;
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    workers = [];
    simulator.reset();
  });
  afterAll(async () => {
    await api?.close();
    await simulator?.close();
    await database?.drop();
  });

  function startWorkers(count: number, extra: Record<string, string> = {}): WorkerProcess[] {
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: testRedisPrefix(),
      GATEWAY_PROVIDER: 'kpn',
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: 'demo-client',
      GATEWAY_CLIENT_SECRET: 'demo-secret',
      GATEWAY_APPLICATION_ID: randomUUID(),
      PUBLIC_URL: publicUrl,
      WEBHOOK_TOKEN,
      CALLS_PER_SECOND: '3',
      FEEDER_INTERVAL_MS: '300',
      LOG_LEVEL: 'warn',
      ...extra,
    };
    workers = Array.from({ length: count }, () => spawnWorker(env));
    return workers;
  }

  async function openAttempts(campaignId: string): Promise<number> {
    const row = await database.db
      .selectFrom('call_attempts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', ['queued', 'dialing'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Waits until every number got its call and nothing is left to dial; returns the log. */
  async function waitUntilAllDialed(campaignId: string, numbers: readonly string[], timeoutMs: number) {
    return waitFor(
      async () => {
        const accepted = acceptedByNumber(simulator.requests());
        return accepted.size === numbers.length && (await openAttempts(campaignId)) === 0 && simulator.requests();
      },
      timeoutMs,
      () => `all ${numbers.length} numbers dialed; worker output:\n${workers.map((w) => w.output()).join('\n---\n')}`,
    );
  }

  function expectEachDialedOnce(numbers: readonly string[]) {
    const accepted = acceptedByNumber(simulator.requests());
    for (const number of numbers) expect(accepted.get(number.slice(1)), number).toBe(1);
  }

  it('a 30-recipient campaign: each dialed exactly once, ≤ 3 requests in any second, ≥ 2.7/s on average', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 30, firstNumber: 31_630_000_000 });
    startWorkers(3);
    await waitUntilAllDialed(campaignId, numbers, 40_000);
    expectEachDialedOnce(numbers);
    const arrivals = createCalls(simulator.requests()).map((r) => r.at);
    expect(arrivals).toHaveLength(30);
    expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(3);
    const rate = (arrivals.length - 1) / (((arrivals.at(-1) as number) - (arrivals[0] as number)) / 1000);
    console.log(`3 workers: 30 calls, max ${maxInWindow(arrivals, 1000)} in 1 s, average ${rate.toFixed(3)}/s`);
    expect(rate).toBeGreaterThanOrEqual(2.7);
    // Events reach the API, attempts end, and the feeder completes the campaign.
    await waitFor(
      async () =>
        (
          await database.db
            .selectFrom('campaigns')
            .select('status')
            .where('id', '=', campaignId)
            .executeTakeFirstOrThrow()
        ).status === 'completed',
      15_000,
      'campaign completed',
    );
  });

  it('a 429 burst pauses every worker and loses nothing', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 20, firstNumber: 31_631_000_000 });
    startWorkers(3);
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 5, 20_000, 'first calls');
    simulator.configure({ burst429: 3 });
    await waitUntilAllDialed(campaignId, numbers, 40_000);
    expectEachDialedOnce(numbers);
    const calls = createCalls(simulator.requests());
    const limited = calls.filter((r) => r.status === 429);
    expect(limited.length).toBe(3);
    // After each 429, no worker (they are three processes) sends anything for most of a second.
    for (const refusal of limited) {
      const during = calls.filter((r) => r.at > refusal.at + 100 && r.at < refusal.at + 900);
      expect(during, `requests within the pause after the 429 at ${refusal.at}`).toHaveLength(0);
    }
    const attempts = await database.db
      .selectFrom('call_attempts')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .execute();
    expect(attempts).toHaveLength(20);
    expect(attempts.every((a) => a.attempt_no === 1)).toBe(true);
  });

  it('a worker killed with SIGKILL mid-campaign loses nothing and dials no one twice', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 30, firstNumber: 31_632_000_000 });
    const [victim] = startWorkers(3, { WORKER_LOCK_MS: '3000', RECONCILE_GRACE_MS: '3000' });
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 8, 20_000, 'first calls');
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    await waitUntilAllDialed(campaignId, numbers, 45_000);
    expectEachDialedOnce(numbers);
    expect(createCalls(simulator.requests()).filter((r) => r.status === 201)).toHaveLength(30);
  });

  it('SIGTERM: a worker stops taking jobs, finishes what it started and exits 0', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 9, firstNumber: 31_633_000_000 });
    const [first, second] = startWorkers(2);
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 2, 20_000, 'first calls');
    expect(await stopWorker(first!)).toBe(0);
    await waitUntilAllDialed(campaignId, numbers, 30_000);
    expectEachDialedOnce(numbers);
    expect(await stopWorker(second!)).toBe(0);
  });
});
