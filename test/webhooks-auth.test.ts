import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createDb } from '../src/db/connect.ts';
import { createCallQueue } from '../src/queue/queue.ts';
import { createLogger } from '../src/shared/logger.ts';
import { assembleApi } from '../src/start/api-process.ts';
import { testRedisPrefix, testRedisUrl } from './support/services.ts';
import {
  attemptRow,
  event,
  eventCount,
  insertAttempt,
  postEvent,
  SIGNATURE_SECRET,
  seedCampaign,
  signBody,
  startHarness,
  WEBHOOK_TOKEN,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

describe('event webhook: authentication and bad payloads store nothing', () => {
  let h: WebhookHarness;
  let attemptId: string;
  beforeAll(async () => {
    h = await startHarness();
    const { campaignId, recipientIds } = await seedCampaign(h, ['+31612340001']);
    attemptId = await insertAttempt(h, campaignId, recipientIds.get('+31612340001') as string, '+31612340001');
  });
  afterAll(() => h.close());

  const body = () => event(randomUUID(), 'answered', 1);

  async function expectNothingStored(response: { statusCode: number }, status: number) {
    expect(response.statusCode).toBe(status);
    expect(await eventCount(h)).toBe(0);
    expect((await attemptRow(h, attemptId)).status).toBe('dialing');
  }

  it('rejects a missing or wrong URL token with 401', async () => {
    await expectNothingStored(await postEvent(h, attemptId, body(), { token: null }), 401);
    await expectNothingStored(await postEvent(h, attemptId, body(), { token: `${WEBHOOK_TOKEN}x` }), 401);
  });

  it('rejects a missing signature, a wrong secret and a tampered body with 401', async () => {
    const raw = JSON.stringify(body());
    await expectNothingStored(await postEvent(h, attemptId, null, { raw, authorization: null }), 401);
    const wrongSecret = await signBody(raw, { secret: 'not-the-secret' });
    await expectNothingStored(
      await postEvent(h, attemptId, null, { raw, authorization: `Bearer ${wrongSecret}` }),
      401,
    );
    const signedOther = await signBody(JSON.stringify(body()));
    await expectNothingStored(
      await postEvent(h, attemptId, null, { raw, authorization: `Bearer ${signedOther}` }),
      401,
    );
  });

  it('rejects an unsigned (alg none) token and one issued outside the iat window', async () => {
    const raw = JSON.stringify(body());
    const [, payload] = (await signBody(raw)).split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    await expectNothingStored(await postEvent(h, attemptId, null, { raw, authorization: `Bearer ${none}` }), 401);
    const old = await signBody(raw, { iat: Math.floor(Date.now() / 1000) - 3600 });
    await expectNothingStored(await postEvent(h, attemptId, null, { raw, authorization: `Bearer ${old}` }), 401);
  });

  it('rejects a replayed jti with 401, storing the event once', async () => {
    const raw = JSON.stringify(body());
    const authorization = `Bearer ${await signBody(raw, { jti: randomUUID() })}`;
    expect((await postEvent(h, attemptId, null, { raw, authorization })).statusCode).toBe(200);
    expect((await postEvent(h, attemptId, null, { raw, authorization })).statusCode).toBe(401);
    expect(await eventCount(h)).toBe(1);
    await h.database.db.deleteFrom('call_events').execute();
    await h.database.db.updateTable('call_attempts').set({ status: 'dialing', answered_at: null }).execute();
  });

  it('answers 400 with a reason for a non-object, a body without status or reason, and broken JSON', async () => {
    const array = await postEvent(h, attemptId, [1, 2]);
    await expectNothingStored(array, 400);
    expect(array.json().error.message).toMatch(/JSON object/);
    const noStatus = await postEvent(h, attemptId, { uuid: randomUUID(), timestamp: '2026-01-01T00:00:00Z' });
    await expectNothingStored(noStatus, 400);
    expect(noStatus.json().error.message).toMatch(/status/);
    await expectNothingStored(await postEvent(h, attemptId, null, { raw: '{"status":' }), 400);
    await expectNothingStored(await postEvent(h, 'not-an-id', body()), 400);
  });
});

describe('event webhook without a signature secret', () => {
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await startHarness({ signed: false });
  });
  afterAll(() => h.close());

  it('accepts a callback carrying only the URL token', async () => {
    const { campaignId, recipientIds } = await seedCampaign(h, ['+31612340002']);
    const attemptId = await insertAttempt(h, campaignId, recipientIds.get('+31612340002') as string, '+31612340002');
    const response = await postEvent(h, attemptId, event(randomUUID(), 'ringing', 1), { authorization: null });
    expect(response.statusCode).toBe(200);
    expect((await attemptRow(h, attemptId)).status).toBe('ringing');
  });
});

describe('event webhook with Postgres down', () => {
  async function appWithDeadPostgres(redis: Redis, prefix: string) {
    const config = loadConfig({ REDIS_KEY_PREFIX: prefix, WEBHOOK_TOKEN, WEBHOOK_SIGNATURE_SECRET: SIGNATURE_SECRET });
    const db = createDb('postgres://nobody@127.0.0.1:1/none', { max: 1 });
    const queue = createCallQueue(redis, prefix);
    const app = await assembleApi({
      config,
      logger: createLogger({ level: 'silent', pretty: false }),
      db,
      redis,
      queue,
    });
    return {
      app,
      async close() {
        await app.close();
        await queue.close();
        await db.destroy();
        redis.disconnect();
      },
    };
  }

  async function signedDelivery() {
    const raw = JSON.stringify(event(randomUUID(), 'answered', 1));
    const authorization = `Bearer ${await signBody(raw)}`;
    return (app: Awaited<ReturnType<typeof appWithDeadPostgres>>['app']) =>
      app.inject({
        method: 'POST',
        url: `/webhooks/event?attempt=${randomUUID()}&token=${WEBHOOK_TOKEN}`,
        headers: { 'content-type': 'application/json', authorization },
        payload: raw,
      });
  }

  it('keeps the event in Redis and answers 200 (the gateway retries only once); a redelivery is a replay', async () => {
    const prefix = testRedisPrefix();
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    const { app, close } = await appWithDeadPostgres(redis, prefix);
    try {
      const deliver = await signedDelivery();
      const first = await deliver(app);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ stored: true, buffered: true });
      expect(await redis.llen(`${prefix}:webhooks:buffered-events`)).toBe(1);
      expect((await deliver(app)).statusCode).toBe(401);
    } finally {
      await close();
    }
  });

  it('answers 5xx (so the gateway delivers again), never 2xx, when Redis is down as well', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, lazyConnect: true });
    redis.on('error', () => {});
    const { app, close } = await appWithDeadPostgres(redis, testRedisPrefix());
    try {
      const deliver = await signedDelivery();
      expect((await deliver(app)).statusCode).toBeGreaterThanOrEqual(500);
      expect((await deliver(app)).statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      await close();
    }
  });
});
