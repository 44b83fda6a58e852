import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { createLogger } from '../src/shared/logger.ts';
import { suppress } from '../src/suppressions/suppression-service.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

/**
 * A feeder batch in flight (it queues a campaign's recipients under the campaign's advisory lock)
 * while the same number is suppressed: the suppression waits for the batch, then withdraws what
 * it queued, instead of slipping between its statements and leaving a queued attempt behind.
 */
describe('suppression against a feeder batch in flight', () => {
  let database: TestDatabase;
  let redis: Redis;
  let queue: CallQueue;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queue = createCallQueue(redis, testRedisPrefix());
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await database?.drop();
  });

  it('a number suppressed while a feeder batch queues it ends with no queued attempt and the recipient suppressed', async () => {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_659_000_000 });
    const number = numbers[0] as string;
    const { api_key_id: apiKeyId } = await database.db
      .selectFrom('campaigns')
      .select('api_key_id')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    let releaseBatch: () => void = () => undefined;
    const batchHeld = new Promise<void>((resolve) => {
      releaseBatch = resolve;
    });
    let batchLocked: () => void = () => undefined;
    const locked = new Promise<void>((resolve) => {
      batchLocked = resolve;
    });
    // The feeder's batch: under the campaign's lock, the recipient becomes queued with an attempt.
    const batch = database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${campaignId}))`.execute(trx);
      const recipient = await trx
        .updateTable('recipients')
        .set({ status: 'queued' })
        .where('campaign_id', '=', campaignId)
        .returning(['id', 'number'])
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('call_attempts')
        .values({
          campaign_id: campaignId,
          recipient_id: recipient.id,
          attempt_no: 1,
          to_number: recipient.number,
          status: 'queued',
        })
        .execute();
      batchLocked();
      await batchHeld;
    });
    await locked;
    const suppressing = suppress(
      { db: database.db, queue, logger: createLogger({ level: 'silent' }), defaultRegion: 'NL' },
      apiKeyId,
      [number],
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    releaseBatch();
    await batch;
    await suppressing;
    const attempts = await database.db
      .selectFrom('call_attempts')
      .select('status')
      .where('campaign_id', '=', campaignId)
      .execute();
    expect(attempts).toEqual([]);
    const recipient = await database.db
      .selectFrom('recipients')
      .select(['status', 'final_outcome'])
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    expect(recipient).toEqual({ status: 'cancelled', final_outcome: 'suppressed' });
  });
});
