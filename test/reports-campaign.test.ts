import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { summarizeCampaign } from '../src/reports/campaign-summary.ts';
import { campaignSummarySchema } from '../src/reports/report-schemas.ts';
import {
  event,
  insertAttempt,
  postEvent,
  seedCampaign,
  startHarness,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

const A = '+31612340010';
const B = '+31612340011';
const C = '+31612340012';
const D = '+31612340013';

describe('campaign reports match the events received', () => {
  let h: WebhookHarness;
  let campaignId: string;
  const now = new Date();
  const minuteAgo = new Date(now.getTime() - 60_000);

  beforeAll(async () => {
    h = await startHarness();
    const policy = { maxAttempts: 2, retryOn: ['busy'], delaySeconds: 60 };
    const seeded = await seedCampaign(h, [A, B, C, D], { retryPolicy: policy });
    campaignId = seeded.campaignId;
    const id = (n: string) => seeded.recipientIds.get(n) as string;
    // A: answered, 30 s, 0.09. B: busy, then answered on the retry, 12 s, 0.036. C: rejected. D: untouched.
    const a1 = await insertAttempt(h, campaignId, id(A), A, 1, minuteAgo);
    await deliver(a1, [
      ['answered', 1, {}],
      ['completed', 31, { duration: '30', price: '0.09' }],
    ]);
    const b1 = await insertAttempt(h, campaignId, id(B), B, 1, minuteAgo);
    await deliver(b1, [
      ['busy', 1, {}],
      ['completed', 2, { duration: 0, price: 0 }],
    ]);
    const b2 = await insertAttempt(h, campaignId, id(B), B, 2, now);
    await deliver(b2, [
      ['answered', 1, {}],
      ['completed', 13, { duration: 12, price: '0.036' }],
    ]);
    const c1 = await insertAttempt(h, campaignId, id(C), C, 1, now);
    await deliver(c1, [['rejected', 1, { detail: 'restricted' }]]);
    // D has an attempt still ringing.
    const d1 = await insertAttempt(h, campaignId, id(D), D, 1, now);
    await deliver(d1, [['ringing', 1, {}]]);
  });
  afterAll(() => h.close());

  async function deliver(attemptId: string, events: [string, number, Record<string, unknown>][]) {
    const leg = randomUUID();
    for (const [status, second, extra] of events) {
      const response = await postEvent(h, attemptId, event(leg, status, second, extra));
      expect(response.statusCode).toBe(200);
    }
  }

  const get = (url: string, key = h.apiKey) =>
    h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  it('summarizes counts, progress, answer rate, talk time, cost and calls per minute', async () => {
    const summary = await summarizeCampaign(h.database.db, campaignId, { minutes: 5, now });
    expect(summary.attempts).toEqual({
      total: 5,
      byStatus: { ended: 4, ringing: 1 },
      byOutcome: { completed: 2, busy: 1, rejected: 1 },
    });
    expect(summary.recipients).toEqual({
      total: 4,
      byStatus: { done: 3, queued: 1 },
      finished: 3,
      remaining: 1,
      progressPercent: 75,
    });
    expect(summary.answerRate).toBe(0.5);
    expect(summary.talkSeconds).toEqual({ total: 42, averagePerAnsweredCall: 21 });
    expect(summary.totalCost).toBe('0.126000');
    expect(summary.callsPerMinute).toHaveLength(5);
    expect(summary.callsPerMinute.slice(-2).map((bucket) => bucket.calls)).toEqual([2, 3]);
  });

  it('GET /v1/campaigns/:id carries the summary as `report`', async () => {
    const response = await get(`/v1/campaigns/${campaignId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().report).toMatchObject({
      attempts: { total: 5, byOutcome: { completed: 2, busy: 1, rejected: 1 } },
      recipients: { progressPercent: 75 },
      answerRate: 0.5,
      totalCost: '0.126000',
    });
    expect(response.json().report.callsPerMinute).toHaveLength(60);
    expect(campaignSummarySchema.safeParse(response.json().report).success).toBe(true);
  });

  it('GET /docs/openapi.json documents the report, calls, CSV and webhook routes', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    for (const path of [
      '/v1/campaigns/{id}/calls',
      '/v1/campaigns/{id}/report.csv',
      '/webhooks/event',
      '/webhooks/answer',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.components.schemas.CampaignReport).toBeDefined();
  });

  it('keeps its trigger counters equal to a full aggregate over the attempts', async () => {
    const { rows } = await sql<{ status: string; outcome: string; n: string; talk: string; cost: string }>`
      select status, coalesce(outcome, '') as outcome, count(*) as n,
             coalesce(sum(duration_seconds), 0) as talk, coalesce(sum(price), 0)::numeric(20, 6) as cost
      from call_attempts where campaign_id = ${campaignId} group by 1, 2 order by 1, 2`.execute(h.database.db);
    const counters = await h.database.db
      .selectFrom('campaign_attempt_counters')
      .select(({ fn }) => [
        'status',
        'outcome',
        fn.sum<string>('attempts').as('n'),
        fn.sum<string>('talk_seconds').as('talk'),
        fn.sum<string>('cost').as('cost'),
      ])
      .where('campaign_id', '=', campaignId)
      .groupBy(['status', 'outcome'])
      .having(({ fn }) => fn.sum('attempts'), '<>', 0)
      .orderBy('status')
      .orderBy('outcome')
      .execute();
    expect(counters).toEqual(rows);
  });

  it('GET /v1/campaigns/:id/calls pages with a cursor and filters by outcome and number', async () => {
    const first = await get(`/v1/campaigns/${campaignId}/calls?limit=2`);
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    const seen = [...page1.items];
    let cursor = page1.nextCursor as string | null;
    while (cursor) {
      const next = (await get(`/v1/campaigns/${campaignId}/calls?limit=2&cursor=${cursor}`)).json();
      seen.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((item) => item.id)).size).toBe(5);
    const completed = (await get(`/v1/campaigns/${campaignId}/calls?outcome=completed`)).json();
    expect(completed.items.map((item: { number: string }) => item.number).sort()).toEqual([A, B]);
    const byNumber = (await get(`/v1/campaigns/${campaignId}/calls?number=06 1234 0011`)).json();
    expect(
      byNumber.items.map((item: { attemptNo: number; outcome: string }) => [item.attemptNo, item.outcome]),
    ).toEqual([
      [1, 'busy'],
      [2, 'completed'],
    ]);
    expect((await get(`/v1/campaigns/${campaignId}/calls?cursor=garbage`)).statusCode).toBe(400);
    expect((await get(`/v1/campaigns/${campaignId}/calls?outcome=nope`)).statusCode).toBe(400);
  });

  it("another API key's campaign is a 404 for calls and the CSV", async () => {
    const other = await createApiKey(h.database.db, 'other');
    expect((await get(`/v1/campaigns/${campaignId}/calls`, other.key)).statusCode).toBe(404);
    expect((await get(`/v1/campaigns/${campaignId}/report.csv`, other.key)).statusCode).toBe(404);
    expect((await get(`/v1/campaigns/${randomUUID()}/calls`)).statusCode).toBe(404);
  });

  it('GET /v1/campaigns/:id/report.csv has one row per recipient matching the events (quoting: csvCell unit test)', async () => {
    const response = await get(`/v1/campaigns/${campaignId}/report.csv`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'number,status,final_outcome,attempts,first_attempt_at,last_attempt_at,talk_seconds,cost,label,digits',
    );
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows.map((row) => [row[0], row[1], row[2], row[3], row[6], row[7]])).toEqual([
      [A, 'done', 'completed', '1', '30', '0.090000'],
      [B, 'done', 'completed', '2', '12', '0.036000'],
      [C, 'done', 'rejected', '1', '0', '0.000000'],
      [D, 'queued', '', '1', '0', '0.000000'],
    ]);
    expect(rows[1]?.[4]).toBe(minuteAgo.toISOString());
    expect(rows[1]?.[5]).toBe(now.toISOString());
  });
});
