import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { createCalls } from './support/worker-processes.ts';

/**
 * Never call twice, across processes: the simulator creates the call and then drops the
 * connection for a share of requests, so the worker cannot know whether its call exists. The
 * event webhooks that name the attempt must settle it; nobody is dialed a second time.
 */
describe('dropped create-call answers', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(() => pipeline?.close());

  it('a call whose answer was lost is reconciled from its webhooks, never redialed', async () => {
    const { database, simulator } = pipeline;
    simulator.configure({ dropShare: 0.4 });
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 12, firstNumber: 31_650_000_000 });
    pipeline.startWorkers(2, { RECONCILE_GRACE_MS: '3000' });
    const attempts = await waitFor(
      async () => {
        const rows = await database.db
          .selectFrom('call_attempts')
          .selectAll()
          .where('campaign_id', '=', campaignId)
          .execute();
        return rows.length === 12 && rows.every((a) => a.call_uuid) && rows;
      },
      30_000,
      () =>
        `every attempt to learn its call uuid; worker output:\n${pipeline.workers.map((w) => w.output()).join('\n---\n')}`,
    );
    const calls = createCalls(simulator.requests());
    const dropped = calls.filter((r) => r.status === 0);
    expect(dropped.length).toBeGreaterThan(0);
    // Every number reached the gateway exactly once: created (201) or created-then-dropped (0).
    for (const number of numbers) {
      expect(
        calls.filter((r) => r.to === number.slice(1) && (r.status === 201 || r.status === 0)),
        number,
      ).toHaveLength(1);
    }
    // The uuid each attempt settled on is the one the simulator created for it.
    const uuidByAttempt = new Map(calls.map((r) => [r.attempt, r.uuid]));
    for (const attempt of attempts) expect(attempt.call_uuid).toBe(uuidByAttempt.get(attempt.id));
  });
});
