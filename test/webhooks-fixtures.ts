import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { loadConfig } from '../src/config/config.ts';
import type { CallOptionsJson, RetryPolicyJson } from '../src/db/database.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { type CallQueue, createCallQueue } from '../src/queue/queue.ts';
import { createLogger } from '../src/shared/logger.ts';
import { assembleApi } from '../src/start/api-process.ts';
import { attemptOwners } from '../src/start/attempt-owners.ts';
import { applyPendingEvents } from '../src/webhooks/event-applier.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

export const WEBHOOK_TOKEN = 'test-webhook-token-0123456789';
export const SIGNATURE_SECRET = 'test-signature-secret';

/** A real API over a fresh database and Redis prefix, with webhooks authenticated by token and signature. */
export interface WebhookHarness {
  database: TestDatabase;
  app: FastifyInstance;
  apiKeyId: string;
  apiKey: string;
  close(): Promise<void>;
}

export async function startHarness(options: { signed?: boolean } = {}): Promise<WebhookHarness> {
  const database = await createTestDatabase();
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  const prefix = testRedisPrefix();
  const config = loadConfig({
    REDIS_KEY_PREFIX: prefix,
    WEBHOOK_TOKEN,
    WEBHOOK_SIGNATURE_SECRET: options.signed === false ? undefined : SIGNATURE_SECRET,
    PUBLIC_URL: 'http://127.0.0.1:1',
    LOG_LEVEL: 'silent',
  });
  const queue: CallQueue = createCallQueue(redis, prefix);
  const logger = createLogger({ level: 'silent', pretty: false });
  const app = await assembleApi({ config, logger, db: database.db, redis, queue });
  const key = await createApiKey(database.db, 'webhooks test');
  return {
    database,
    app,
    apiKeyId: key.id,
    apiKey: key.key,
    async close() {
      await app.close();
      await queue.close();
      redis.disconnect();
      await database.drop();
    },
  };
}

export interface SeedOptions {
  apiKeyId: string;
  retryPolicy?: RetryPolicyJson;
  callOptions?: CallOptionsJson;
  ncco?: unknown[];
}

/** A running campaign with one queued recipient per number. Returns ids by number. */
export async function seedCampaign(h: WebhookHarness, numbers: string[], options: Partial<SeedOptions> = {}) {
  const campaign = await h.database.db
    .insertInto('campaigns')
    .values({
      api_key_id: options.apiKeyId ?? h.apiKeyId,
      name: 'test',
      from_number: '+31201234567',
      ncco: JSON.stringify(options.ncco ?? [{ action: 'talk', text: 'Hello {{name}}' }]),
      retry_policy: JSON.stringify(options.retryPolicy ?? { maxAttempts: 3, retryOn: ['busy'], delaySeconds: 600 }),
      call_options: JSON.stringify(options.callOptions ?? {}),
      recipient_count: numbers.length,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const recipients = await h.database.db
    .insertInto('recipients')
    .values(
      numbers.map((number, i) => ({
        campaign_id: campaign.id,
        number,
        data: { name: `Person ${i}` },
        status: 'queued' as const,
      })),
    )
    .returning(['id', 'number'])
    .execute();
  return { campaignId: campaign.id, recipientIds: new Map(recipients.map((r) => [r.number, r.id])) };
}

/** What the feeder and worker would have written: attempt `attemptNo` for a recipient, dialing. */
export async function insertAttempt(
  h: WebhookHarness,
  campaignId: string,
  recipientId: string,
  number: string,
  attemptNo = 1,
  dialStartedAt = new Date(),
): Promise<string> {
  const row = await h.database.db
    .insertInto('call_attempts')
    .values({
      campaign_id: campaignId,
      recipient_id: recipientId,
      attempt_no: attemptNo,
      to_number: number,
      status: 'dialing',
      dial_started_at: dialStartedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await h.database.db
    .updateTable('recipients')
    .set({ status: 'queued', attempt_count: attemptNo })
    .where('id', '=', recipientId)
    .execute();
  return row.id;
}

/** Vonage's signed-callback JWT for this exact body (docs/gateway-facts.md §5). */
export async function signBody(
  raw: string,
  claims: { iat?: number; jti?: string; secret?: string; payloadHash?: string } = {},
): Promise<string> {
  const payloadHash = claims.payloadHash ?? createHash('sha256').update(raw).digest('hex');
  return new SignJWT({ payload_hash: payloadHash, api_key: 'abcd1234', application_id: randomUUID() })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
    .setJti(claims.jti ?? randomUUID())
    .setIssuer('Vonage')
    .sign(new TextEncoder().encode(claims.secret ?? SIGNATURE_SECRET));
}

export interface PostOptions {
  token?: string | null;
  authorization?: string | null;
  raw?: string;
}

/** POSTs one event as the gateway would, signed unless told otherwise, then applies pending events. */
export async function postEvent(h: WebhookHarness, attemptId: string, body: unknown, options: PostOptions = {}) {
  const raw = options.raw ?? JSON.stringify(body);
  const token = options.token === undefined ? WEBHOOK_TOKEN : options.token;
  const query = new URLSearchParams({ attempt: attemptId, ...(token === null ? {} : { token }) });
  const authorization = options.authorization === undefined ? `Bearer ${await signBody(raw)}` : options.authorization;
  const response = await h.app.inject({
    method: 'POST',
    url: `/webhooks/event?${query}`,
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    payload: raw,
  });
  await drainEvents(h);
  return response;
}

/**
 * The API applies stored events right after answering; tests look at the state after that.
 * The background applier may hold some (this round skips them): wait until none is pending.
 */
export async function drainEvents(h: WebhookHarness): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await applyPendingEvents(h.database.db, { owners: attemptOwners });
    const pending = await h.database.db
      .selectFrom('call_event_queue')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(pending.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending.n} events still pending`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A gateway event body for one leg, timestamps a second apart by sequence number. */
export function event(uuid: string, status: string, second: number, extra: Record<string, unknown> = {}) {
  const timestamp = new Date(Date.UTC(2026, 0, 1, 10, 0, second)).toISOString();
  return {
    uuid,
    conversation_uuid: `CON-${uuid}`,
    status,
    direction: 'outbound',
    from: '31201234567',
    to: '31612345678',
    timestamp,
    ...extra,
  };
}

export async function attemptRow(h: WebhookHarness, attemptId: string) {
  return h.database.db.selectFrom('call_attempts').selectAll().where('id', '=', attemptId).executeTakeFirstOrThrow();
}

export async function eventCount(h: WebhookHarness, attemptId?: string): Promise<number> {
  let query = h.database.db.selectFrom('call_events').select(({ fn }) => fn.countAll<string>().as('n'));
  if (attemptId) query = query.where('attempt_id', '=', attemptId);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
