import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type FaultRig, startFaultRig, waitSettled } from './support/faults-harness.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';
import { createCalls } from './support/worker-processes.ts';

/**
 * The API (the webhook receiver) unreachable for 10 s mid-campaign, as in a deploy or a crash.
 * The gateway retries each refused event once, at once, so the rest of every call under way is
 * lost. The workers must notice the silence and read those calls' end from the gateway
 * (GET /calls/{uuid}), so every attempt still ends, answered calls as completed, nobody twice.
 */
describe('API unreachable for the gateway for 10 s mid-campaign', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let rig: FaultRig | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Calls last ~2 s, so several are under way while the API is unreachable.
    simulator = await startSimulator({ timeScale: 0.05, outcomes: { answered: 1 } });
  });
  afterAll(async () => {
    await rig?.close();
    await simulator?.close();
    await database?.drop();
  });

  it('lost events are recovered from the gateway: every attempt ends, answered ones as completed', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 12, firstNumber: 31_695_000_000 });
    rig = await startFaultRig({
      databaseUrl: database.url,
      db: database.db,
      redisUrl: testRedisUrl(),
      prefix: testRedisPrefix(),
      simulator,
      webhookToken: `faults-${randomBytes(12).toString('hex')}`,
      proxyWebhooks: true,
      // A call silent for 5 graces (10 s) is asked about, every 5 feeder intervals (1.5 s).
      workerEnv: { RECONCILE_GRACE_MS: '2000', WORKER_LOCK_MS: '3000' },
    });
    const proxy = rig.webhookProxy!;
    const workers = rig.startWorkers(2);
    await waitFor(async () => createCalls(simulator.requests()).length >= 4, 20_000, 'first calls');
    await proxy.cut();
    const cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await proxy.restore();
    const refused = simulator.callbacks().filter((c) => c.kind === 'event' && c.at >= cutAt && c.status === 0);
    const result = await waitSettled(database.db, campaignId, numbers, simulator, 45_000, () =>
      workers.map((w) => w.output()).join('\n---\n'),
    );
    const asked = simulator.requests().filter((r) => r.method === 'GET' && r.path.includes('/calls/'));
    console.log(
      `${refused.length} events refused while the API was unreachable; ${asked.length} GET /calls; ${JSON.stringify(result)}`,
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(asked.length).toBeGreaterThan(0);
    expect(result.lost).toEqual([]);
    expect(result.duplicated).toEqual([]);
    expect(result.openAttempts).toBe(0);
    expect(result.openRecipients).toBe(0);
    expect(result.outcomes).toEqual({ completed: 12 });
  }, 90_000);
});
