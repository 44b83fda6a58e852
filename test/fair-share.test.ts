import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/connect.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { createCalls } from './support/worker-processes.ts';

/** A key with `campaigns` running campaigns of `recipients` each, numbers from `firstNumber`. */
async function seedKey(db: Db, campaigns: number, recipients: number, firstNumber: number) {
  const key = await createApiKey(db, `fair-${Math.random()}`);
  const ids: string[] = [];
  for (let c = 0; c < campaigns; c += 1) {
    const { campaignId } = await seedCampaign(db, { recipients, firstNumber: firstNumber + c * recipients });
    ids.push(campaignId);
  }
  await db.updateTable('campaigns').set({ api_key_id: key.id }).where('id', 'in', ids).execute();
  return { keyId: key.id, campaignIds: ids };
}

/** Key of the campaign of every attempt named in the simulator's log. */
async function keyOfAttempts(db: Db, attemptIds: readonly string[]): Promise<Map<string, string>> {
  if (attemptIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('call_attempts as a')
    .innerJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .select(['a.id', 'c.api_key_id'])
    .where('a.id', 'in', attemptIds)
    .execute();
  return new Map(rows.map((row) => [row.id, row.api_key_id]));
}

/** Accepted create-calls (201) per API key, arriving at the counter within [from, to). */
async function acceptedPerKey(pipeline: Pipeline, from: number, to: number): Promise<Map<string, number>> {
  const accepted = createCalls(pipeline.simulator.requests()).filter(
    (r) => r.status === 201 && r.at >= from && r.at < to && r.attempt,
  );
  const keys = await keyOfAttempts(
    pipeline.database.db,
    accepted.map((r) => r.attempt as string),
  );
  const counts = new Map<string, number>();
  for (const r of accepted) {
    const key = keys.get(r.attempt as string) ?? 'unknown';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Many running campaigns in one statement each: `count` campaigns of `recipients` each under one
 * key, optionally with a calling window closed right now (it opens in about 12 hours).
 */
async function seedMany(db: Db, count: number, recipients: number, firstNumber: number, closed: boolean) {
  const key = await createApiKey(db, `many-${Math.random()}`);
  const hour = new Date().getUTCHours();
  const window = closed
    ? JSON.stringify({
        start: `${String((hour + 12) % 24).padStart(2, '0')}:00`,
        end: `${String((hour + 13) % 24).padStart(2, '0')}:00`,
        days: [],
      })
    : null;
  const inserted = await sql<{ id: string }>`
    insert into campaigns (api_key_id, name, from_number, ncco, start_at, timezone, call_window, retry_policy, recipient_count)
    select ${key.id}, 'many ' || g, '+31201234567', '[{"action":"talk","text":"hi"}]'::jsonb, now() - interval '1 second',
           'UTC', ${window}::jsonb, '{"maxAttempts":1,"retryOn":[],"delaySeconds":60}'::jsonb, ${recipients}
    from generate_series(0, ${count - 1}) g
    returning id`.execute(db);
  const campaigns = { rows: inserted.rows.map((row, n) => ({ id: row.id, n })) };
  await sql`
    insert into recipients (campaign_id, number)
    select c.id, '+' || (${firstNumber}::bigint + c.n * ${recipients} + r)::text
    from (select unnest(${campaigns.rows.map((c) => c.id)}::uuid[]) as id, unnest(${campaigns.rows.map((c) => c.n)}::int[]) as n) c,
         generate_series(0, ${recipients - 1}) r`.execute(db);
  return { keyId: key.id, campaignIds: campaigns.rows.map((c) => c.id) };
}

describe('fair share of the create-call rate, across worker processes', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterEach(async () => {
    await pipeline.stopWorkers();
    await sql`update campaigns set status = 'cancelled' where status = 'running'`.execute(pipeline.database.db);
    pipeline.simulator.reset();
  });
  afterAll(() => pipeline?.close());

  it('two keys — one campaign against twenty — each get half the calls within ±10 % over 40 s', async () => {
    const { database } = pipeline;
    const big = await seedKey(database.db, 1, 400, 31_640_000_000);
    const many = await seedKey(database.db, 20, 20, 31_641_000_000);
    pipeline.startWorkers(2);
    await waitFor(async () => createCalls(pipeline.simulator.requests()).length >= 6, 20_000, 'calls flowing');
    const from = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 40_000));
    const counts = await acceptedPerKey(pipeline, from, Date.now());
    const a = counts.get(big.keyId) ?? 0;
    const b = counts.get(many.keyId) ?? 0;
    console.log(`fair share over 40 s: one-campaign key ${a}, twenty-campaign key ${b} calls`);
    expect(a + b).toBeGreaterThanOrEqual(100);
    expect(a / (a + b)).toBeGreaterThanOrEqual(0.45);
    expect(a / (a + b)).toBeLessThanOrEqual(0.55);
  });

  it('a new small campaign of another key places its first call within 2 s behind a large one and 1,000 running campaigns', async () => {
    const { database } = pipeline;
    await seedKey(database.db, 1, 3000, 31_650_000_000);
    // 1,000 more running campaigns: 700 outside their calling window, 300 with work due.
    await seedMany(database.db, 700, 2, 31_660_000_000, true);
    await seedMany(database.db, 300, 2, 31_670_000_000, false);
    pipeline.startWorkers(2);
    await waitFor(
      async () => {
        const row = await sql<{ n: number }>`
          select count(*)::int as n from campaigns where status = 'running' and fed_at is null`.execute(database.db);
        return row.rows[0]?.n === 0 && createCalls(pipeline.simulator.requests()).length >= 6;
      },
      30_000,
      () =>
        `every running campaign looked at once, calls flowing (${createCalls(pipeline.simulator.requests()).length} calls); ${pipeline.workers.map((w) => w.output()).join('\n')}`,
    );
    const delays: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const createdAt = Date.now();
      const { numbers } = await seedCampaign(database.db, { recipients: 6, firstNumber: 31_680_000_000 + round * 10 });
      const wanted = new Set(numbers.map((n) => n.slice(1)));
      const first = await waitFor(
        async () => createCalls(pipeline.simulator.requests()).find((r) => r.status === 201 && wanted.has(r.to ?? '')),
        10_000,
        `first call of new campaign ${round}`,
      );
      delays.push(first.at - createdAt);
      const timeline = await sql<{ created: Date; fed: Date | null }>`
        select a.created_at as created, c.fed_at as fed from call_attempts a join campaigns c on c.id = a.campaign_id
        where a.id = ${first.attempt ?? null}`.execute(database.db);
      console.log(
        `round ${round}: attempt created +${(timeline.rows[0]?.created.getTime() ?? 0) - createdAt} ms, counter +${first.at - createdAt} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    console.log(`new campaign's first call after ${delays.join(', ')} ms`);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
  });
});
