import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trx } from '../src/db/connect.ts';
import { claimAttempt, claimStamp } from '../src/dispatch/attempt-claims.ts';
import { confirmSend } from '../src/dispatch/send-check.ts';
import { lockSuppressionsOf } from '../src/shared/suppression-lock.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/services.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The race between a stop and the check as the request leaves: a check that starts while a
 * cancel (or a suppression) has not committed yet waits for it and then refuses; it never sends
 * on the old state.
 */
describe('the check as the request leaves against a stop in flight', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  async function claimed(firstNumber: number) {
    const { campaignId, numbers } = await seedCampaign(database.db, { recipients: 1, firstNumber });
    const recipient = await database.db
      .selectFrom('recipients')
      .select('id')
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    const attempt = await database.db
      .insertInto('call_attempts')
      .values({ campaign_id: campaignId, recipient_id: recipient.id, to_number: numbers[0] as string, attempt_no: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await claimAttempt(database.db, attempt.id, recipient.id)).toBe(true);
    const stamp = (await claimStamp(database.db, attempt.id)) as Date;
    const { api_key_id } = await database.db
      .selectFrom('campaigns')
      .select('api_key_id')
      .where('id', '=', campaignId)
      .executeTakeFirstOrThrow();
    return { campaignId, attemptId: attempt.id, stamp, apiKeyId: api_key_id, number: numbers[0] as string };
  }

  /**
   * Runs `change` in a transaction held open, starts the send check meanwhile, and proves the
   * check waits for it; returns the check's answer once the change commits.
   */
  async function checkDuring(attemptId: string, stamp: Date, change: (trx: Trx) => Promise<void>) {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let changed: () => void = () => undefined;
    const didChange = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const transaction = database.db.transaction().execute(async (trx) => {
      await change(trx);
      changed();
      await held;
    });
    await didChange;
    let settled = false;
    const check = confirmSend(database.db, attemptId, stamp).then((result) => {
      settled = true;
      return result;
    });
    try {
      await sleep(300);
      expect(settled).toBe(false);
    } finally {
      release();
      await transaction;
    }
    return check;
  }

  it('a cancel not yet committed makes the check wait, and it refuses once the cancel commits', async () => {
    const { campaignId, attemptId, stamp } = await claimed(31_660_000_000);
    const answer = await checkDuring(attemptId, stamp, async (trx) => {
      await sql`update campaigns set status = 'cancelled' where id = ${campaignId}`.execute(trx);
    });
    expect(answer).toEqual({ sent: false, refusal: 'cancelled' });
  });

  it('a suppression not yet committed makes the check wait, and it refuses once it commits', async () => {
    const { attemptId, stamp, apiKeyId, number } = await claimed(31_661_000_000);
    const answer = await checkDuring(attemptId, stamp, async (trx) => {
      await lockSuppressionsOf(trx, apiKeyId);
      await sql`insert into suppressions (api_key_id, number) values (${apiKeyId}, ${number})`.execute(trx);
    });
    expect(answer).toEqual({ sent: false, refusal: 'suppressed' });
  });
});
