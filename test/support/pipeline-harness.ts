import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/config.ts';
import { type Simulator, startSimulator } from '../../src/dev/simulator/simulator.ts';
import { startApi } from '../../src/start/api-process.ts';
import { createRuntime, type Runtime } from '../../src/start/runtime.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './services.ts';
import { waitFor } from './wait-for.ts';
import { acceptedByNumber, spawnWorker, stopWorker, type WorkerProcess } from './worker-processes.ts';

const WEBHOOK_TOKEN = 'dispatch-test-token-0123456789';

/**
 * The whole pipeline across OS processes: `callcast worker` processes, the gateway simulator
 * (3 calls/s, 429 beyond, every call answered and short), and the API in this process, which
 * receives the simulator's event webhooks and serves /v1.
 */
export interface Pipeline {
  database: TestDatabase;
  simulator: Simulator;
  publicUrl: string;
  workers: WorkerProcess[];
  startWorkers(count: number, extra?: Record<string, string>): WorkerProcess[];
  stopWorkers(): Promise<void>;
  /** Attempts of the campaign still queued or dialing. */
  openAttempts(campaignId: string): Promise<number>;
  /** Waits until every number got its call and nothing is left to dial. */
  waitUntilAllDialed(campaignId: string, numbers: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<Pipeline> {
  const database = await createTestDatabase();
  // One prefix for the API and the workers, as in a deployment: the API's queue (reminder
  // jobs it adds, jobs it withdraws on pause and cancel) is the workers' queue.
  const prefix = testRedisPrefix();
  const simulator = await startSimulator({ timeScale: 0.005, outcomes: { answered: 1 }, callsPerSecond: 3 });
  const api: Runtime = createRuntime(
    loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      WEBHOOK_TOKEN,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    }),
  );
  const publicUrl = `http://127.0.0.1:${await startApi(api)}`;
  const pipeline: Pipeline = {
    database,
    simulator,
    publicUrl,
    workers: [],
    startWorkers(count, extra = {}) {
      const env = {
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        REDIS_KEY_PREFIX: prefix,
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
      pipeline.workers = Array.from({ length: count }, () => spawnWorker(env));
      return pipeline.workers;
    },
    async stopWorkers() {
      await Promise.all(pipeline.workers.map((w) => stopWorker(w)));
      pipeline.workers = [];
    },
    async openAttempts(campaignId) {
      const row = await database.db
        .selectFrom('call_attempts')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('campaign_id', '=', campaignId)
        .where('status', 'in', ['queued', 'dialing'])
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async waitUntilAllDialed(campaignId, numbers, timeoutMs) {
      const wanted = new Set(numbers.map((n) => n.slice(1)));
      await waitFor(
        async () => {
          const accepted = acceptedByNumber(simulator.requests());
          const all = [...wanted].every((n) => accepted.has(n));
          return all && (await pipeline.openAttempts(campaignId)) === 0;
        },
        timeoutMs,
        () =>
          `all ${numbers.length} numbers dialed; worker output:\n${pipeline.workers.map((w) => w.output()).join('\n---\n')}`,
      );
    },
    async close() {
      await pipeline.stopWorkers();
      await api.close();
      await simulator.close();
      await database.drop();
    },
  };
  return pipeline;
}
