import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/connect.ts';
import { createFeeder, type FeederDeps } from '../src/dispatch/feeder.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { FairShare } from '../src/queue/fair-share.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { createLogger } from '../src/shared/logger.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

const WINDOW = 20;

/**
 * `count` running campaigns with `pending` due recipients each, started `ageMinutes` ago (older
 * first in the old feeder's order), optionally already holding `queued` queued attempts or with
 * a calling window that is closed now.
 */
async function seed(
  db: Db,
  options: { count: number; pending: number; queued?: number; closed?: boolean; ageMinutes: number; first: number },
): Promise<string[]> {
  const key = await createApiKey(db, `starve-${Math.random()}`);
  const hour = new Date().getUTCHours();
  const closedWindow = JSON.stringify({
    start: `${String((hour + 12) % 24).padStart(2, '0')}:00`,
    end: `${String((hour + 13) % 24).padStart(2, '0')}:00`,
    days: [],
  });
  const inserted = await sql<{ id: string }>`
    insert into campaigns (api_key_id, name, from_number, ncco, start_at, timezone, call_window, retry_policy, recipient_count)
    select ${key.id}, 'starve ' || g, '+31201234567', '[{"action":"talk","text":"hi"}]'::jsonb,
           now() - make_interval(mins => ${options.ageMinutes}) - make_interval(secs => g), 'UTC',
           ${options.closed ? closedWindow : null}::jsonb, '{"maxAttempts":1,"retryOn":[],"delaySeconds":60}'::jsonb, 0
    from generate_series(1, ${options.count}) g
    returning id`.execute(db);
  const ids = inserted.rows.map((row) => row.id);
  const queued = options.queued ?? 0;
  const perCampaign = options.pending + queued;
  await sql`
    insert into recipients (campaign_id, number, status)
    select c.id, '+' || (${options.first}::bigint + c.n * 1000 + r)::text, case when r < ${queued} then 'queued' else 'pending' end
    from (select unnest(${ids}::uuid[]) as id, generate_series(0, ${ids.length - 1}) as n) c,
         generate_series(0, ${perCampaign - 1}) r`.execute(db);
  if (queued > 0) {
    await sql`
      insert into call_attempts (campaign_id, recipient_id, attempt_no, to_number, status)
      select r.campaign_id, r.id, 1, r.number, 'queued' from recipients r
      where r.campaign_id = any(${ids}::uuid[]) and r.status = 'queued'`.execute(db);
  }
  return ids;
}

describe('no campaign starves in the feeder', () => {
  let database: TestDatabase;
  let redis: Redis;
  let queue: CallQueue;
  let deps: FeederDeps;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queue = createCallQueue(redis, testRedisPrefix());
    deps = {
      db: database.db,
      queue,
      fair: new FairShare(redis, testRedisPrefix()),
      gateway: { hangup: async () => undefined },
      logger: createLogger({ level: 'silent' }),
      window: WINDOW,
      batch: 50,
      reconcileGraceMs: 60_000,
    };
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await database.drop();
  });

  const withAttempts = async (ids: readonly string[]) => {
    const rows = await sql<{ n: number }>`
      select count(distinct campaign_id)::int as n from call_attempts where campaign_id = any(${ids}::uuid[])`.execute(
      database.db,
    );
    return rows.rows[0]?.n ?? 0;
  };

  it('feeds every due campaign within three passes although 400 older ones are full or outside their window', async () => {
    // Oldest first: 200 outside their calling window, 200 whose window of queued attempts is full.
    const closed = await seed(database.db, {
      count: 200,
      pending: 3,
      closed: true,
      ageMinutes: 300,
      first: 31_690_000_000,
    });
    const full = await seed(database.db, {
      count: 200,
      pending: 3,
      queued: WINDOW,
      ageMinutes: 200,
      first: 31_691_000_000,
    });
    // Then 120 ordinary campaigns with work due, the newest.
    const due = await seed(database.db, { count: 120, pending: 3, ageMinutes: 100, first: 31_692_000_000 });
    const feeder = createFeeder(deps);
    const started = Date.now();
    await feeder.feedOnce();
    // Closed ones were looked at once, stamped with their opening, and queued nothing.
    expect(await withAttempts(closed)).toBe(0);
    const stamped = await sql<{ n: number }>`
      select count(*)::int as n from campaigns where id = any(${closed}::uuid[]) and feed_after > now()`.execute(
      database.db,
    );
    expect(stamped.rows[0]?.n).toBe(200);
    // 120 due campaigns, 50 per pass: three passes, whatever the closed and full ones.
    await feeder.feedOnce();
    await feeder.feedOnce();
    console.log(`3 feeder passes over 520 running campaigns in ${Date.now() - started} ms`);
    expect(await withAttempts(due)).toBe(120);
    // Full campaigns got nothing more: their window is still exactly WINDOW.
    const overfull = await sql<{ n: number }>`
      select count(*)::int as n from (
        select campaign_id from call_attempts where campaign_id = any(${full}::uuid[]) and status = 'queued'
        group by campaign_id having count(*) > ${WINDOW}) x`.execute(database.db);
    expect(overfull.rows[0]?.n).toBe(0);
  });

  it('a campaign created behind hundreds of running ones is fed by the next new-campaign pass', async () => {
    const [late] = await seed(database.db, { count: 1, pending: 2, ageMinutes: 0, first: 31_693_000_000 });
    await createFeeder(deps).feedNew();
    expect(await withAttempts([late as string])).toBe(1);
  });
});
