import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  event,
  insertAttempt,
  postEvent,
  seedCampaign,
  startHarness,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

const NUMBER = '+31612340004';
const DELAY_SECONDS = 900;

describe('retries by outcome', () => {
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const recipientOf = (id: string) =>
    h.database.db.selectFrom('recipients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('a busy recipient is retried after the policy delay, up to the maximum attempts, then done as busy', async () => {
    const policy = { maxAttempts: 3, retryOn: ['busy', 'unanswered'], delaySeconds: DELAY_SECONDS };
    const { campaignId, recipientIds } = await seedCampaign(h, [NUMBER], { retryPolicy: policy });
    const recipientId = recipientIds.get(NUMBER) as string;
    for (let attemptNo = 1; attemptNo <= 3; attemptNo++) {
      const attemptId = await insertAttempt(h, campaignId, recipientId, NUMBER, attemptNo);
      const leg = randomUUID();
      const before = Date.now();
      await postEvent(h, attemptId, event(leg, 'ringing', 1));
      await postEvent(h, attemptId, event(leg, 'busy', 2));
      await postEvent(h, attemptId, event(leg, 'completed', 3, { duration: '0', price: '0' }));
      const recipient = await recipientOf(recipientId);
      expect(recipient.final_outcome).toBe('busy');
      expect(recipient.attempt_count).toBe(attemptNo);
      if (attemptNo < 3) {
        expect(recipient.status).toBe('pending');
        const due = recipient.next_attempt_at?.getTime() ?? 0;
        expect(due).toBeGreaterThanOrEqual(before + DELAY_SECONDS * 1000 - 1000);
        expect(due).toBeLessThanOrEqual(Date.now() + DELAY_SECONDS * 1000 + 1000);
      } else {
        expect(recipient).toMatchObject({ status: 'done', next_attempt_at: null });
      }
    }
    const attempts = await h.database.db
      .selectFrom('call_attempts')
      .select(['attempt_no', 'outcome'])
      .where('recipient_id', '=', recipientId)
      .orderBy('attempt_no')
      .execute();
    expect(attempts).toEqual([1, 2, 3].map((n) => ({ attempt_no: n, outcome: 'busy' })));
  });

  it('an answered retry ends the recipient completed, with its attempt count', async () => {
    const policy = { maxAttempts: 3, retryOn: ['busy'], delaySeconds: 60 };
    const number = '+31612340005';
    const { campaignId, recipientIds } = await seedCampaign(h, [number], { retryPolicy: policy });
    const recipientId = recipientIds.get(number) as string;
    const first = await insertAttempt(h, campaignId, recipientId, number, 1);
    await postEvent(h, first, event(randomUUID(), 'busy', 1));
    expect((await recipientOf(recipientId)).status).toBe('pending');
    const second = await insertAttempt(h, campaignId, recipientId, number, 2);
    const leg = randomUUID();
    await postEvent(h, second, event(leg, 'answered', 1));
    await postEvent(h, second, event(leg, 'completed', 20, { duration: 19, price: '0.05' }));
    expect(await recipientOf(recipientId)).toMatchObject({
      status: 'done',
      final_outcome: 'completed',
      attempt_count: 2,
    });
  });

  it('an outcome the policy leaves out is not retried', async () => {
    const policy = { maxAttempts: 3, retryOn: ['busy'], delaySeconds: 60 };
    const number = '+31612340006';
    const { campaignId, recipientIds } = await seedCampaign(h, [number], { retryPolicy: policy });
    const recipientId = recipientIds.get(number) as string;
    const attemptId = await insertAttempt(h, campaignId, recipientId, number, 1);
    await postEvent(h, attemptId, event(randomUUID(), 'failed', 1, { detail: 'cannot_route' }));
    expect(await recipientOf(recipientId)).toMatchObject({ status: 'done', final_outcome: 'failed', attempt_count: 1 });
  });
});
