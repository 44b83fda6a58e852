import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pumpOnce } from '../src/dispatch/fair-pump.ts';
import { createFeeder, type FeederDeps } from '../src/dispatch/feeder.ts';
import { completeFinishedCampaigns, dueCampaigns, queueDueRecipients } from '../src/dispatch/feeder-repository.ts';
import { FairShare } from '../src/queue/fair-share.ts';
import { CAMPAIGN_PRIORITY } from '../src/queue/jobs.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { createLogger } from '../src/shared/logger.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

describe('feeder', () => {
  let database: TestDatabase;
  let redis: Redis;
  let queue: CallQueue;
  let fair: FairShare;
  const pump = () => pumpOnce({ fair, queue, logger: createLogger({ level: 'silent' }), pipeTarget: 1000 });
  const hungUp: string[] = [];
  let deps: FeederDeps;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queue = createCallQueue(redis, testRedisPrefix());
    fair = new FairShare(redis, testRedisPrefix());
    deps = {
      db: database.db,
      queue,
      fair,
      gateway: { hangup: async (uuid) => void hungUp.push(uuid) },
      logger: createLogger({ level: 'silent' }),
      window: 5,
      batch: 3,
      reconcileGraceMs: 60_000,
    };
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await database.drop();
  });

  const attemptsOf = (campaignId: string) =>
    database.db.selectFrom('call_attempts').selectAll().where('campaign_id', '=', campaignId).execute();

  it('queues due recipients in bounded batches and never holds more than the window per campaign', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 12 });
    const feeder = createFeeder(deps);
    expect((await feeder.feedOnce()).queued).toBe(3);
    await feeder.feedOnce();
    await feeder.feedOnce();
    const attempts = await attemptsOf(campaignId);
    expect(attempts).toHaveLength(5);
    expect(attempts.every((a) => a.status === 'queued' && a.attempt_no === 1)).toBe(true);
    await pump();
    const job = await queue.getJob(attempts[0]!.id);
    expect(job?.data).toEqual({ attemptId: attempts[0]!.id, v: 1 });
    expect(job?.opts.priority).toBe(CAMPAIGN_PRIORITY);
    const queued = await database.db
      .selectFrom('recipients')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    expect(Number(queued.n)).toBe(5);
  });

  it('two feeders at once never queue a recipient twice or overfill the window', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 8, firstNumber: 31_613_000_000 });
    const a = createFeeder({ ...deps, batch: 5 });
    const b = createFeeder({ ...deps, batch: 5 });
    await Promise.all([a.feedOnce(), b.feedOnce(), a.feedOnce(), b.feedOnce()]);
    const attempts = await attemptsOf(campaignId);
    expect(attempts.length).toBe(5);
    expect(new Set(attempts.map((x) => x.recipient_id)).size).toBe(5);
  });

  it('skips campaigns that are paused or not yet started', async () => {
    const paused = await seedCampaign(database.db, { recipients: 2, status: 'paused', firstNumber: 31_614_000_000 });
    const later = await seedCampaign(database.db, {
      recipients: 2,
      startAt: new Date(Date.now() + 3_600_000),
      firstNumber: 31_615_000_000,
    });
    await createFeeder(deps).feedOnce();
    expect(await attemptsOf(paused.campaignId)).toHaveLength(0);
    expect(await attemptsOf(later.campaignId)).toHaveLength(0);
  });

  it('re-adds the job of an attempt left queued without one (crash between commit and add)', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_616_000_000 });
    const feeder = createFeeder({ ...deps, staleMs: 0 });
    await feeder.feedOnce();
    await pump();
    const [attempt] = await attemptsOf(campaignId);
    await queue.remove(attempt!.id);
    expect(await queue.getJob(attempt!.id)).toBeUndefined();
    await sql`update call_attempts set updated_at = now() - interval '1 minute' where id = ${attempt!.id}`.execute(
      database.db,
    );
    const report = await feeder.feedOnce();
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    await pump();
    expect((await queue.getJob(attempt!.id))?.data.attemptId).toBe(attempt!.id);
  });

  it('completes a running campaign once every recipient is done and no attempt is open', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 2, firstNumber: 31_617_000_000 });
    const feeder = createFeeder(deps);
    await feeder.feedOnce();
    await database.db
      .updateTable('call_attempts')
      .set({ status: 'started' })
      .where('campaign_id', '=', campaignId)
      .execute();
    await database.db.updateTable('recipients').set({ status: 'done' }).where('campaign_id', '=', campaignId).execute();
    await feeder.feedOnce();
    const open = await database.db
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    expect(open.status).toBe('running');
    await database.db
      .updateTable('call_attempts')
      .set({ status: 'ended', outcome: 'completed' })
      .where('campaign_id', '=', campaignId)
      .execute();
    await feeder.feedOnce();
    const done = await database.db
      .selectFrom('campaigns')
      .select(['status', 'completed_at'])
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    expect(done.status).toBe('completed');
    expect(done.completed_at).toBeInstanceOf(Date);
  });

  it('never completes a campaign while an upload holding its row lock adds pending recipients', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_619_000_000 });
    await database.db.updateTable('recipients').set({ status: 'done' }).where('campaign_id', '=', campaignId).execute();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => undefined;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // An upload as `POST /v1/campaigns/:id/recipients` does it: lock the campaign, add recipients, commit.
    const upload = database.db.transaction().execute(async (trx) => {
      await trx.selectFrom('campaigns').select('id').where('id', '=', campaignId).forNoKeyUpdate().execute();
      await trx
        .insertInto('recipients')
        .values({ campaign_id: campaignId, number: '+31619000001', data: '{}' })
        .execute();
      locked();
      await held;
    });
    await lockTaken;
    const completing = completeFinishedCampaigns(database.db);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await upload;
    expect(await completing).not.toContain(campaignId);
    expect(await completeFinishedCampaigns(database.db)).not.toContain(campaignId);
    const campaign = await database.db
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    expect(campaign.status).toBe('running');
  });

  it('queues nothing for a campaign paused after the feeder read the campaign list', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 3, firstNumber: 31_619_100_000 });
    expect((await dueCampaigns(database.db, 1000, 5)).map((c) => c.id)).toContain(campaignId);
    await database.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', campaignId).execute();
    expect(await queueDueRecipients(database.db, campaignId, 5, 3)).toEqual([]);
    expect(await attemptsOf(campaignId)).toHaveLength(0);
  });

  it('hangs up live calls of a cancelled campaign', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_618_000_000 });
    await createFeeder(deps).feedOnce();
    await database.db
      .updateTable('call_attempts')
      .set({ status: 'answered', call_uuid: 'live-uuid-1' })
      .where('campaign_id', '=', campaignId)
      .execute();
    await database.db.updateTable('campaigns').set({ status: 'cancelled' }).where('id', '=', campaignId).execute();
    await createFeeder(deps).feedOnce();
    expect(hungUp).toContain('live-uuid-1');
  });
  it('a pick whose BullMQ add failed is added by a later pump pass, not left to the 30 s stale scan', async () => {
    const { campaignId } = await seedCampaign(database.db, { recipients: 2, firstNumber: 31_699_100_000 });
    await createFeeder(deps).feedOnce();
    const ids = (await attemptsOf(campaignId)).map((a) => a.id);
    expect(ids).toHaveLength(2);
    // Redis goes away between the pick and the add: the add fails, the picks are out of the scheduler.
    const failing = {
      ...queue,
      getJobCounts: queue.getJobCounts.bind(queue),
      addBulk: () => Promise.reject(new Error('Connection is closed.')),
    } as unknown as CallQueue;
    const pumpWith = (q: CallQueue) =>
      pumpOnce({ fair, queue: q, logger: createLogger({ level: 'silent' }), pipeTarget: 1000 });
    await expect(pumpWith(failing)).rejects.toThrow('Connection is closed.');
    expect(await fair.waiting(campaignId)).toBe(0);
    expect(await queue.getJob(ids[0] as string)).toBeUndefined();
    // A pass right after does not double a pick that may still be under way…
    await pump();
    expect(await queue.getJob(ids[0] as string)).toBeUndefined();
    // …one 2 s later adds both.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await pump();
    for (const id of ids) expect((await queue.getJob(id))?.data).toEqual({ attemptId: id, v: 1 });
  });
});
