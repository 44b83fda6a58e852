import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { maxInWindow } from './support/windows.ts';
import { acceptedByNumber, createCalls, stopWorker } from './support/worker-processes.ts';

/** Three `callcast worker` OS processes against the gateway simulator; one campaign per scenario. */
describe('three worker processes against the gateway simulator', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterEach(async () => {
    await pipeline.stopWorkers();
    pipeline.simulator.reset();
  });
  afterAll(() => pipeline?.close());

  function expectEachDialedOnce(numbers: readonly string[]) {
    const accepted = acceptedByNumber(pipeline.simulator.requests());
    for (const number of numbers) expect(accepted.get(number.slice(1)), number).toBe(1);
  }

  it('a 30-recipient campaign: each dialed exactly once, ≤ 3 requests in any second, ≥ 2.7/s on average', async () => {
    const { database, simulator } = pipeline;
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 30, firstNumber: 31_630_000_000 });
    pipeline.startWorkers(3);
    await pipeline.waitUntilAllDialed(campaignId, numbers, 40_000);
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
    const { database, simulator } = pipeline;
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 20, firstNumber: 31_631_000_000 });
    pipeline.startWorkers(3);
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 5, 20_000, 'first calls');
    simulator.configure({ burst429: 3 });
    await pipeline.waitUntilAllDialed(campaignId, numbers, 40_000);
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
    const { database, simulator } = pipeline;
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 30, firstNumber: 31_632_000_000 });
    const [victim] = pipeline.startWorkers(3, { WORKER_LOCK_MS: '3000', RECONCILE_GRACE_MS: '3000' });
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 8, 20_000, 'first calls');
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    await pipeline.waitUntilAllDialed(campaignId, numbers, 45_000);
    expectEachDialedOnce(numbers);
    expect(createCalls(simulator.requests()).filter((r) => r.status === 201)).toHaveLength(30);
  });

  it('SIGTERM: a worker stops taking jobs, finishes what it started and exits 0', async () => {
    const { database, simulator } = pipeline;
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 9, firstNumber: 31_633_000_000 });
    const [first, second] = pipeline.startWorkers(2);
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 2, 20_000, 'first calls');
    expect(await stopWorker(first!)).toBe(0);
    await pipeline.waitUntilAllDialed(campaignId, numbers, 30_000);
    expectEachDialedOnce(numbers);
    expect(await stopWorker(second!)).toBe(0);
  });
});
