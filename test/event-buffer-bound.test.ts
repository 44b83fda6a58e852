import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/shared/logger.ts';
import { createEventBuffer } from '../src/webhooks/event-buffer.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

/** The Redis list that holds webhook events through a Postgres outage has a ceiling. */
describe('event buffer bound', () => {
  let database: TestDatabase;
  let redis: Redis;
  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis?.quit();
    await database?.drop();
  });

  it('refuses events beyond EVENT_BUFFER_MAX, says so once in the log, and reports size and full', async () => {
    const lines: Array<{ msg: string; [field: string]: unknown }> = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    const buffer = createEventBuffer(database.db, redis, testRedisPrefix(), logger, { maxEntries: 3 });
    const event = () => ({ uuid: randomUUID(), status: 'ringing', timestamp: new Date().toISOString() });
    for (let i = 0; i < 3; i++) await buffer.push(randomUUID(), event());
    expect(buffer.full()).toBe(false);
    await expect(buffer.push(randomUUID(), event())).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(buffer.push(randomUUID(), event())).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(await buffer.size()).toBe(3);
    expect(buffer.full()).toBe(true);
    const fullLines = lines.filter((line) => line.msg === 'webhook event buffer full');
    expect(fullLines).toHaveLength(1);
    expect(fullLines[0]).toMatchObject({ maxEntries: 3 });
    // Postgres is reachable here: the drain stores them and the buffer takes events again.
    expect(await buffer.drain()).toBe(3);
    await buffer.push(randomUUID(), event());
    expect(buffer.full()).toBe(false);
    expect(await buffer.size()).toBe(1);
  });
});
