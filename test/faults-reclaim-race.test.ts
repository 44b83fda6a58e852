import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAttempt, claimStamp, confirmClaimAtSend, reclaimForRedial } from '../src/dispatch/attempt-claims.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/services.ts';

/**
 * The interleaving that dialed a number twice when Redis crashed mid-campaign (faults-redis):
 * worker A claims an attempt and is then held by the limiter (Redis down); its job's lock
 * expires, worker B runs the stalled job, finds the attempt `dialing` without a uuid past the
 * grace and re-claims it for a redial; then A's request would leave too. A's send-time check
 * must lose to B's re-claim, and B's to A's confirmed send.
 */
describe('a claim held up in the limiter and a redial by a stalled copy of its job', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  async function newAttempt(firstNumber: number): Promise<{ attemptId: string; recipientId: string }> {
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber });
    const recipient = await database.db
      .selectFrom('recipients')
      .select('id')
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    const attempt = await database.db
      .insertInto('call_attempts')
      .values({ campaign_id: campaignId, recipient_id: recipient.id, to_number: '+31612349999', attempt_no: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { attemptId: attempt.id, recipientId: recipient.id };
  }

  it('B re-claims first: A must not send', async () => {
    const { attemptId, recipientId } = await newAttempt(31_670_000_000);
    expect(await claimAttempt(database.db, attemptId, recipientId)).toBe(true);
    const aStamp = (await claimStamp(database.db, attemptId)) as Date;
    // B saw the same stamp and (the grace having passed) re-claims.
    expect(await reclaimForRedial(database.db, attemptId, aStamp)).toBe(true);
    expect(await confirmClaimAtSend(database.db, attemptId, aStamp)).toBe(false);
  });

  it('A sends first: B, holding the stamp it read before, cannot re-claim', async () => {
    const { attemptId, recipientId } = await newAttempt(31_671_000_000);
    expect(await claimAttempt(database.db, attemptId, recipientId)).toBe(true);
    const aStamp = (await claimStamp(database.db, attemptId)) as Date;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await confirmClaimAtSend(database.db, attemptId, aStamp)).toBe(true);
    expect(await reclaimForRedial(database.db, attemptId, aStamp)).toBe(false);
    // The grace now counts from the send, not from the claim.
    const after = (await claimStamp(database.db, attemptId)) as Date;
    expect(after.getTime()).toBeGreaterThan(aStamp.getTime());
  });
});
