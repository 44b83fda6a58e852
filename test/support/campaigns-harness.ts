import type { FastifyInstance, InjectOptions } from 'fastify';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/config.ts';
import type { Db } from '../../src/db/connect.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { type CallQueue, createCallQueue } from '../../src/queue/queue.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { assembleApi } from '../../src/start/api-process.ts';
import { createTestDatabase, testRedisPrefix, testRedisUrl } from './services.ts';

/** The API over a fresh database and Redis prefix, plus helpers the intake tests share. */
export interface IntakeHarness {
  app: FastifyInstance;
  db: Db;
  /** The test database's URL, for CLI commands run against it. */
  databaseUrl: string;
  queue: CallQueue;
  /** A new API key's bearer header. */
  newKey(name?: string): Promise<{ id: string; authorization: string }>;
  /** Rows in a table (or of one campaign), to prove that a failed request stored nothing. */
  count(
    table: 'campaigns' | 'recipients' | 'call_attempts' | 'suppressions' | 'idempotency_keys',
    campaignId?: string,
  ): Promise<number>;
  close(): Promise<void>;
}

export async function startIntakeHarness(env: Record<string, string> = {}): Promise<IntakeHarness> {
  const database = await createTestDatabase();
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const queue = createCallQueue(redis, testRedisPrefix());
  const config = loadConfig({ DEFAULT_REGION: 'NL', ...env });
  const app = await assembleApi({ config, logger: createLogger({ level: 'silent' }), db: database.db, redis, queue });
  return {
    app,
    db: database.db,
    databaseUrl: database.url,
    queue,
    async newKey(name = 'test') {
      const { id, key } = await createApiKey(database.db, name);
      return { id, authorization: `Bearer ${key}` };
    },
    async count(table, campaignId) {
      const where = campaignId ? sql`where campaign_id = ${campaignId}` : sql``;
      const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} ${where}`.execute(
        database.db,
      );
      return result.rows[0]?.n ?? 0;
    },
    async close() {
      await app.close();
      await queue.close();
      await redis.quit();
      await database.drop();
    },
  };
}

/** A minimal valid campaign body; tests override what they exercise. */
export function campaignBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Spring reminder',
    from: '+31201234567',
    ncco: [{ action: 'talk', text: 'Hello {{name}}', language: 'nl-NL' }],
    recipients: [{ number: '+31612345678', data: { name: 'Anna' } }],
    ...overrides,
  };
}

export function postJson(
  app: FastifyInstance,
  url: string,
  authorization: string,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  const options: InjectOptions = {
    method: 'POST',
    url,
    headers: { authorization, 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  };
  return app.inject(options);
}
