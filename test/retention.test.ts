import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { createLogger } from '../src/shared/logger.ts';
import { startRetention } from '../src/start/retention.ts';
import { createTestDatabase, type TestDatabase } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/** Raw events and idempotency keys age out; attempts (and so reports) stay. */
describe('retention', () => {
  let database: TestDatabase;
  let apiKeyId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    apiKeyId = (await createApiKey(database.db, 'retention')).id;
  });
  afterAll(() => database?.drop());

  const seedEvents = async (count: number, ageDays: number) => {
    await sql`
      insert into call_events (attempt_id, call_uuid, status, event_at, dedupe_key, payload, received_at)
      select null, 'uuid-' || g, 'completed', now() - make_interval(days => ${ageDays}),
             ${randomUUID()} || ':' || g, '{}'::jsonb, now() - make_interval(days => ${ageDays})
      from generate_series(1, ${count}) g`.execute(database.db);
  };
  const seedKeys = async (count: number, ageDays: number) => {
    await sql`
      insert into idempotency_keys (api_key_id, key, request_hash, response_status, response_body, created_at)
      select ${apiKeyId}::uuid, ${randomUUID()} || ':' || g, 'h', 201, '{}'::jsonb, now() - make_interval(days => ${ageDays})
      from generate_series(1, ${count}) g`.execute(database.db);
  };
  const countOlder = async (table: 'call_events' | 'idempotency_keys', column: string, days: number) => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.table(table)}
      where ${sql.ref(column)} < now() - make_interval(days => ${days})`.execute(database.db);
    return rows[0]?.n ?? 0;
  };

  it('the worker loop prunes events older than EVENT_RETENTION_DAYS and idempotency keys older than IDEMPOTENCY_RETENTION_DAYS, keeping newer ones', async () => {
    await seedEvents(12_000, 120); // more than one delete batch
    await seedEvents(300, 30);
    await seedKeys(2_500, 10);
    await seedKeys(40, 1);
    expect(await countOlder('call_events', 'received_at', 90)).toBe(12_000);
    const loop = startRetention(
      { db: database.db, logger: createLogger({ level: 'silent' }) },
      { eventDays: 90, idempotencyDays: 7 },
    );
    try {
      await waitFor(async () => (await countOlder('call_events', 'received_at', 90)) === 0, 30_000);
      await waitFor(async () => (await countOlder('idempotency_keys', 'created_at', 7)) === 0, 30_000);
    } finally {
      await loop.close();
    }
    expect(await countOlder('call_events', 'received_at', 0)).toBe(300);
    expect(await countOlder('idempotency_keys', 'created_at', 0)).toBe(40);
  });
});
