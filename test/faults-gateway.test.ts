import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../src/dev/simulator/options.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type FaultRig, type Settlement, startFaultRig, waitSettled } from './support/faults-harness.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';
import { createCalls } from './support/worker-processes.ts';

const WEBHOOK_TOKEN = `faults-${randomBytes(12).toString('hex')}`;
const CPS = 3;

/**
 * Gateway faults from the simulator against two real worker processes. Every scenario runs its
 * own 15–25 recipient campaign (one attempt each, every call answered) on its own Redis prefix
 * and asserts: nobody lost, nobody dialed twice, every attempt ended, at most 3 create-call
 * requests in any second, and the campaign completes once the fault is gone.
 */
describe('gateway faults: nothing lost, nobody dialed twice, the rate holds', () => {
  let database: TestDatabase;
  let simulator: Simulator;
  let rig: FaultRig | undefined;
  let firstNumber = 31_640_000_000;

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await startSimulator({ timeScale: 0.005, outcomes: { answered: 1 }, callsPerSecond: CPS, seed: 7 });
  });
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    simulator.reset();
  });
  afterAll(async () => {
    await rig?.close();
    await simulator?.close();
    await database?.drop();
  });

  /** Seeds a campaign, applies `faults`, starts two workers; returns when the campaign settled. */
  async function run(
    recipients: number,
    faults: Partial<SimulatorOptions>,
    during: (numbers: readonly string[]) => Promise<void> = async () => {},
    timeoutMs = 40_000,
  ): Promise<Settlement> {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients, firstNumber });
    firstNumber += 1_000;
    simulator.configure(faults);
    rig = await startFaultRig({
      databaseUrl: database.url,
      db: database.db,
      redisUrl: testRedisUrl(),
      prefix: testRedisPrefix(),
      simulator,
      webhookToken: WEBHOOK_TOKEN,
      // The grace must outlast the slowest request (latency scenario: 1.5 s) before a redial.
      workerEnv: { RECONCILE_GRACE_MS: '4000', WORKER_LOCK_MS: '5000' },
    });
    const workers = rig.startWorkers(2);
    await during(numbers);
    const result = await waitSettled(database.db, campaignId, numbers, simulator, timeoutMs, () =>
      workers.map((w) => w.output()).join('\n---\n'),
    );
    console.log(`${JSON.stringify(faults)}: ${JSON.stringify(result)}`);
    expect(result.lost).toEqual([]);
    expect(result.duplicated).toEqual([]);
    expect(result.openAttempts).toBe(0);
    expect(result.openRecipients).toBe(0);
    expect(result.outcomes).toEqual({ completed: recipients });
    expect(result.maxPerSecond).toBeLessThanOrEqual(CPS);
    return result;
  }

  it('20% of requests answered 500/503: retried until every number is called once', async () => {
    // 25 recipients: the chance that no request at all draws a 5xx is 0.8^25 ≈ 0.4%.
    const result = await run(25, { serverErrorShare: 0.2 });
    expect((result.statuses['500'] ?? 0) + (result.statuses['503'] ?? 0)).toBeGreaterThan(0);
  });

  it('answers 1.5 s slow: calls still paced at 3/s, each number called once', async () => {
    const result = await run(15, { latencyMs: 1_500 });
    expect(result.statuses['201']).toBe(15);
  });

  it('30% of connections dropped after the call was created: reconciled from webhooks, never redialed', async () => {
    const result = await run(20, { dropShare: 0.3 });
    expect(result.statuses['0'] ?? 0).toBeGreaterThan(0);
    expect(result.statuses['201']).toBe(20 - (result.statuses['0'] ?? 0));
  });

  it('repeated 429 bursts pause every worker and lose nothing', async () => {
    const result = await run(20, {}, async () => {
      for (let burst = 0; burst < 3; burst++) {
        await waitFor(async () => createCalls(simulator.requests()).length >= 4 + burst * 6, 20_000, 'calls');
        simulator.configure({ burst429: 2 });
      }
    });
    expect(result.statuses['429']).toBe(6);
  });

  it('token endpoint down for 3 s while every token is revoked: calls resume after recovery', async () => {
    const result = await run(15, {}, async () => {
      await waitFor(async () => createCalls(simulator.requests()).length >= 4, 20_000, 'first calls');
      simulator.revokeTokens();
      simulator.configure({ tokenEndpointDown: true });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const during = simulator.requests().filter((r) => r.path.includes('oauth'));
      expect(during.some((r) => r.status === 503)).toBe(true);
      simulator.configure({ tokenEndpointDown: false });
    });
    expect(result.statuses['401'] ?? 0).toBeGreaterThan(0);
  });

  /** A request without a token is refused before the quota counts it, but carries the quota headers. */
  async function quotaResetAt(): Promise<number> {
    const probe = await fetch(`${simulator.url}/voice/calls/probe`);
    await probe.arrayBuffer();
    return Number(probe.headers.get('quota-reset-utc'));
  }

  it('quota exhausted mid-campaign: no create-call until the quota resets, then everything finishes', async () => {
    let firstRefusal = 0;
    let resetAt = 0;
    const result = await run(15, { quotaWindowMs: 60_000 }, async () => {
      await waitFor(async () => createCalls(simulator.requests()).length >= 4, 20_000, 'first calls');
      // Stretch the current quota window so that it resets 4 s from now, and use it up.
      const windowStart = (await quotaResetAt()) - simulator.options().quotaWindowMs;
      simulator.configure({ quotaWindowMs: Date.now() - windowStart + 4_000, quotaLimit: 1 });
      const refused = await waitFor(
        async () => createCalls(simulator.requests()).find((r) => r.status === 429),
        20_000,
        'a quota refusal',
      );
      firstRefusal = refused.at;
      resetAt = await quotaResetAt();
      // Plenty of quota again: a worker that ignored the reset time would now get through early.
      simulator.configure({ quotaLimit: 1_000_000 });
    });
    const early = createCalls(simulator.requests()).filter((r) => r.at > firstRefusal + 100 && r.at < resetAt - 100);
    console.log(
      `quota: refused at +0, reset ${resetAt - firstRefusal} ms later, ${early.length} create-calls in between, ${JSON.stringify(result.statuses)}`,
    );
    expect(resetAt - firstRefusal).toBeGreaterThan(2_000);
    expect(early).toEqual([]);
    expect(result.statuses['201']).toBe(15);
  });
});
