import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeCampaign } from '../src/reports/campaign-summary.ts';
import {
  event,
  eventCount,
  insertAttempt,
  postEvent,
  seedCampaign,
  startHarness,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

const CALLS = 48;
const PARALLEL = 24;

describe('concurrent callbacks for many calls of one campaign', () => {
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('stores every event once, ends every call right and keeps the counters exact', async () => {
    const numbers = Array.from({ length: CALLS }, (_unused, i) => `+316123${String(50_000 + i)}`);
    const { campaignId, recipientIds } = await seedCampaign(h, numbers, {
      retryPolicy: { maxAttempts: 2, retryOn: ['busy'], delaySeconds: 60 },
    });
    const deliveries: [string, Record<string, unknown>][] = [];
    for (const [i, number] of numbers.entries()) {
      const attemptId = await insertAttempt(h, campaignId, recipientIds.get(number) as string, number);
      const leg = randomUUID();
      const script =
        i % 2 === 0
          ? [
              event(leg, 'started', 1),
              event(leg, 'ringing', 2),
              event(leg, 'answered', 3),
              event(leg, 'completed', 13, { duration: '10', price: '0.03' }),
            ]
          : [
              event(leg, 'started', 1),
              event(leg, 'ringing', 2),
              event(leg, 'busy', 3),
              event(leg, 'completed', 4, { duration: '0', price: '0' }),
            ];
      // Every event twice: the gateway redelivers.
      for (const body of [...script, ...script]) deliveries.push([attemptId, body]);
    }
    shuffle(deliveries);
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < deliveries.length) {
          const [attemptId, body] = deliveries[next++] as [string, Record<string, unknown>];
          statuses.push((await postEvent(h, attemptId, body)).statusCode);
        }
      }),
    );
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(await eventCount(h)).toBe(CALLS * 4);
    const summary = await summarizeCampaign(h.database.db, campaignId);
    expect(summary.attempts).toEqual({
      total: CALLS,
      byStatus: { ended: CALLS },
      byOutcome: { completed: CALLS / 2, busy: CALLS / 2 },
    });
    expect(summary.talkSeconds.total).toBe((CALLS / 2) * 10);
    expect(summary.recipients.byStatus).toEqual({ done: CALLS / 2, pending: CALLS / 2 });
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from call_attempts
      where campaign_id = ${campaignId} and answered_at is not null and outcome = 'completed'`.execute(h.database.db);
    expect(Number(rows[0]?.n)).toBe(CALLS / 2);
  });
});

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
