import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitHealthy } from '../src/dev/demo/demo-processes.ts';
import { freePort } from '../src/dev/local-services/binaries.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { type CallcastProcess, faultEnv, spawnCallcast } from './support/faults-processes.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';
import { stopWorker } from './support/worker-processes.ts';

/**
 * A real API process and a real worker process at LOG_LEVEL=debug run a campaign against the
 * simulator while it forces a 401 (token renewal), 5xx answers and a token-endpoint outage, and
 * bad webhooks and bad API keys arrive. Their whole stdout/stderr is then searched for every secret.
 */
describe('secrets never reach the logs', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let redis: Redis;
  const processes: CallcastProcess[] = [];
  const secrets = {
    clientSecret: `cs-${randomBytes(16).toString('hex')}`,
    signatureSecret: `sig-${randomBytes(16).toString('hex')}`,
    webhookToken: `wh-${randomBytes(16).toString('hex')}`,
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    simulator = await startSimulator({
      timeScale: 0.005,
      outcomes: { answered: 1 },
      clientSecret: secrets.clientSecret,
      signatureSecret: secrets.signatureSecret,
      unauthorizedCount: 1,
    });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => stopWorker(p)));
    await redis?.quit();
    await simulator?.close();
    await database?.drop();
  });

  it('client secret, access token, API key, webhook token and signature secret appear nowhere', async () => {
    const prefix = testRedisPrefix();
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    const env = faultEnv({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix,
      simulator,
      publicUrl: apiUrl,
      webhookToken: secrets.webhookToken,
      extra: { LOG_LEVEL: 'debug', PORT: String(port), RECONCILE_GRACE_MS: '1000' },
    });
    const api = spawnCallcast(['api'], env);
    processes.push(api);
    await waitHealthy(`${apiUrl}/health`, 30_000);
    const worker = spawnCallcast(['worker'], env);
    processes.push(worker);
    const { key } = await createApiKey(database.db, 'log-test');

    const post = (path: string, body: unknown, authorization = `Bearer ${key}`) =>
      fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post('/v1/campaigns', {
      name: 'log leak check',
      from: '+31201234567',
      ncco: [{ action: 'talk', text: 'Hello {{name}}' }],
      recipients: Array.from({ length: 6 }, (_, i) => ({
        number: `+3161234${String(i).padStart(4, '0')}`,
        data: { name: `n${i}` },
      })),
      retry: { maxAttempts: 1, retryOn: [], delaySeconds: 0 },
    });
    expect(created.status).toBe(201);
    const campaignId = ((await created.json()) as { id: string }).id;

    // Failures that make code paths log: wrong keys, bad webhooks, gateway 5xx and a token outage.
    expect((await post('/v1/campaigns', {}, `Bearer ${key}x`)).status).toBe(401);
    const badHook = await fetch(`${apiUrl}/webhooks/event?attempt=${campaignId}&token=${secrets.webhookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
      body: JSON.stringify({ status: 'answered', uuid: 'x' }),
    });
    expect(badHook.status).toBe(401);
    await waitFor(async () => simulator.requests().some((r) => r.status === 201), 20_000, 'first call');
    simulator.configure({ serverErrorShare: 0.5 });
    simulator.revokeTokens();
    simulator.configure({ tokenEndpointDown: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    simulator.configure({ tokenEndpointDown: false, serverErrorShare: 0 });

    await waitFor(
      async () => {
        const row = await database.db
          .selectFrom('campaigns')
          .select('status')
          .where('id', '=', campaignId)
          .executeTakeFirstOrThrow();
        return row.status === 'completed';
      },
      45_000,
      `campaign completed; worker:\n${worker.output()}`,
    );
    const tokenKeys = (await redis.keys(`${prefix}:gateway:token:*`)).filter((k) => !k.endsWith(':lock'));
    expect(tokenKeys).toHaveLength(1);
    const accessToken = (JSON.parse((await redis.get(tokenKeys[0] as string)) ?? '{}') as { accessToken?: string })
      .accessToken;
    expect(accessToken).toMatch(/^\S{16,}$/);
    await Promise.all(processes.map((p) => stopWorker(p)));

    const logs = processes.map((p) => p.fullOutput()).join('\n');
    const lines = logs.split('\n').filter(Boolean);
    // The capture worked and covered debug level and failures, or searching it would prove nothing.
    expect(lines.some((line) => line.includes('"level":20'))).toBe(true);
    expect(lines.some((line) => line.includes('"level":40') || line.includes('"level":50'))).toBe(true);
    expect(simulator.requests().some((r) => r.status >= 500)).toBe(true);
    const found = Object.entries({ ...secrets, apiKey: key, accessToken: accessToken as string }).filter(([, value]) =>
      logs.includes(value),
    );
    expect(found.map(([name]) => name)).toEqual([]);
    console.log(`searched ${lines.length} log lines (${logs.length} bytes) from the API and a worker: no secret found`);
  });
});
