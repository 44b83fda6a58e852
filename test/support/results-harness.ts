import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/config.ts';
import type { SimulatorOptions } from '../../src/dev/simulator/options.ts';
import { type Simulator, startSimulator } from '../../src/dev/simulator/simulator.ts';
import { createGatewayClient } from '../../src/gateway/create-gateway-client.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { startApi } from '../../src/start/api-process.ts';
import { createRuntime, type Runtime } from '../../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../../src/start/worker-process.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './services.ts';

export const WEBHOOK_TOKEN = 'results-test-token-0123456789';

/**
 * The whole result loop in this process over real HTTP: the gateway simulator (KPN mode,
 * fast calls), the API (webhooks in, /v1, recordings through the simulator's GET /jwt) and a
 * worker (dialing, outbox relay, delivery worker), on a fresh database and Redis prefix.
 */
export interface ResultsHarness {
  database: TestDatabase;
  simulator: Simulator;
  apiUrl: string;
  worker: RunningWorker;
  newKey(name?: string): Promise<{ id: string; authorization: string }>;
  /** `fetch` against the API with a key's authorization header. */
  call(path: string, authorization: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startResultsHarness(
  simulatorOptions: Partial<SimulatorOptions> = {},
  workerEnv: Record<string, string> = {},
): Promise<ResultsHarness> {
  const database = await createTestDatabase();
  const simulator = await startSimulator({
    timeScale: 0.005,
    callsPerSecond: 50,
    outcomes: { answered: 1 },
    ...simulatorOptions,
  });
  const prefix = testRedisPrefix();
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: prefix,
    GATEWAY_PROVIDER: 'kpn',
    GATEWAY_URL: simulator.url,
    GATEWAY_TOKEN_URL: simulator.tokenUrl,
    GATEWAY_CLIENT_ID: 'demo-client',
    GATEWAY_CLIENT_SECRET: 'demo-secret',
    GATEWAY_APPLICATION_ID: randomUUID(),
    WEBHOOK_TOKEN,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'silent',
  };
  const api: Runtime = createRuntime(loadConfig({ ...common, HOST: '127.0.0.1', PORT: '0' }), { dbPoolSize: 8 });
  const apiUrl = `http://127.0.0.1:${await startApi(api)}`;
  const workerConfig = loadConfig({
    ...common,
    PUBLIC_URL: apiUrl,
    CALLS_PER_SECOND: '20',
    FEEDER_INTERVAL_MS: '200',
    WORKER_CONCURRENCY: '8',
    ...workerEnv,
  });
  const workerRuntime = createRuntime(workerConfig, { dbPoolSize: 8 });
  const worker = startWorker(workerRuntime, {
    createGateway: (onQuota) =>
      createGatewayClient(workerConfig, { logger: workerRuntime.logger, redis: workerRuntime.redis(), onQuota }),
  });
  return {
    database,
    simulator,
    apiUrl,
    worker,
    async newKey(name = 'results') {
      const { id, key } = await createApiKey(database.db, name);
      return { id, authorization: `Bearer ${key}` };
    },
    call(path, authorization, init = {}) {
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      return fetch(`${apiUrl}${path}`, {
        method: init.method ?? (body ? 'POST' : 'GET'),
        headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
        body,
      });
    },
    async close() {
      await worker.close();
      await workerRuntime.close();
      await api.close();
      await simulator.close();
      await database.drop();
    },
  };
}
