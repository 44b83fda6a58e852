import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { acceptedByNumber, createCalls } from './support/worker-processes.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pause, resume and cancel through the API while two worker processes dial. */
describe('campaign control while workers dial', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterEach(async () => {
    await pipeline.stopWorkers();
    pipeline.simulator.reset();
  });
  afterAll(() => pipeline?.close());

  const control = (campaignId: string, authorization: string, action: string) =>
    fetch(`${pipeline.publicUrl}/v1/campaigns/${campaignId}/${action}`, { method: 'POST', headers: { authorization } });

  it('pause stops dialing within moments, resume finishes the campaign, each number dialed once', async () => {
    const { database, simulator } = pipeline;
    const { campaignId, numbers, authorization } = await seedCampaign(database.db, {
      recipients: 15,
      firstNumber: 31_640_000_000,
    });
    pipeline.startWorkers(2);
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 3, 20_000, 'first calls');
    expect((await control(campaignId, authorization, 'pause')).status).toBe(200);
    const pausedAt = Date.now();
    await sleep(4000);
    // Calls already admitted may still land in the first moments; none after that.
    const late = createCalls(simulator.requests()).filter((r) => r.at > pausedAt + 1500);
    expect(late).toHaveLength(0);
    const dialedWhilePaused = acceptedByNumber(simulator.requests()).size;
    expect(dialedWhilePaused).toBeLessThan(15);
    expect((await control(campaignId, authorization, 'resume')).status).toBe(200);
    await pipeline.waitUntilAllDialed(campaignId, numbers, 30_000);
    const accepted = acceptedByNumber(simulator.requests());
    for (const number of numbers) expect(accepted.get(number.slice(1)), number).toBe(1);
  });

  it('cancel stops dialing for good and leaves no attempt open', async () => {
    const { database, simulator } = pipeline;
    const { campaignId, authorization } = await seedCampaign(database.db, {
      recipients: 15,
      firstNumber: 31_641_000_000,
    });
    pipeline.startWorkers(2);
    await waitFor(async () => acceptedByNumber(simulator.requests()).size >= 3, 20_000, 'first calls');
    expect((await control(campaignId, authorization, 'cancel')).status).toBe(200);
    const cancelledAt = Date.now();
    await waitFor(async () => (await pipeline.openAttempts(campaignId)) === 0, 10_000, 'no open attempts');
    await sleep(2000);
    expect(createCalls(simulator.requests()).filter((r) => r.at > cancelledAt + 1500)).toHaveLength(0);
    const accepted = acceptedByNumber(simulator.requests());
    expect(accepted.size).toBeLessThan(15);
    expect([...accepted.values()].every((count) => count === 1)).toBe(true);
    const recipients = await database.db
      .selectFrom('recipients')
      .select('status')
      .where('campaign_id', '=', campaignId)
      .execute();
    expect(recipients.filter((r) => r.status === 'cancelled').length).toBe(15 - accepted.size);
  });
});
