import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { createLogger } from '../src/shared/logger.ts';
import { startApi } from '../src/start/api-process.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';

const TOKEN = 'intake-isolation-token-0123456789';

/** The API as `callcast api` assembles it (runtime pools, startApi), over a real socket. */
describe('CSV uploads and the rest of the API', () => {
  let database: TestDatabase;
  let runtime: Runtime;
  let base: string;
  const keys: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: testRedisPrefix(),
      HOST: '127.0.0.1',
      PORT: '0',
      WEBHOOK_TOKEN: TOKEN,
      UPLOAD_IDLE_TIMEOUT_MS: '1500',
    });
    runtime = createRuntime(config, { logger: createLogger({ level: 'silent' }) });
    base = `http://127.0.0.1:${await startApi(runtime)}`;
    for (let i = 0; i < 10; i++) keys.push(`Bearer ${(await createApiKey(database.db, `tenant ${i}`)).key}`);
  });
  afterAll(async () => {
    await runtime?.close();
    await database?.drop();
  });

  const newCampaign = async (auth: string): Promise<string> => {
    const res = await request(`${base}/v1/campaigns`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'load',
        from: '+31201234567',
        ncco: [{ action: 'talk', text: 'Hi' }],
        recipients: [{ number: '+31612345678' }],
      }),
    });
    expect(res.statusCode).toBe(201);
    return ((await res.body.json()) as { id: string }).id;
  };

  /** A CSV that trickles: header, then one row every `everyMs` until `stop` resolves. */
  async function* slowRows(stop: { done: boolean }, offset: number, everyMs = 150) {
    yield 'number,name\n';
    for (let i = 0; !stop.done && i < 2_000; i++) {
      yield `+3165${String(offset + i).padStart(7, '0')},n${i}\n`;
      await sleep(everyMs);
    }
  }
  const upload = (auth: string, id: string, body: AsyncIterable<string>) =>
    request(`${base}/v1/campaigns/${id}/recipients`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'text/csv' },
      body: Readable.from(body),
    }).then(
      async (res) => ({
        status: res.statusCode,
        body: (await res.body.json()) as { error: { code: string; details?: unknown } },
      }),
      (err: Error) => ({ status: 0, body: { error: { code: err.message, details: undefined } } }),
    );

  const timed = async (url: string, init: Parameters<typeof request>[1]) => {
    const started = performance.now();
    const res = await request(url, init);
    await res.body.text();
    return { status: res.statusCode, ms: performance.now() - started };
  };

  it('webhooks keep answering within 1 s while ten slow uploads run, and extra uploads get 429 too_many_uploads', async () => {
    const stop = { done: false };
    const campaigns = await Promise.all(keys.map(newCampaign));
    const uploads = keys.map((auth, i) => upload(auth, campaigns[i] as string, slowRows(stop, i * 10_000)));
    await sleep(1_000);
    const webhookTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await timed(`${base}/webhooks/answer?attempt=${randomUUID()}&token=${TOKEN}`, { method: 'GET' });
      const event = await timed(`${base}/webhooks/event?attempt=${randomUUID()}&token=${TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uuid: randomUUID(), status: 'ringing', timestamp: new Date().toISOString() }),
      });
      expect([answer.status, event.status]).toEqual([200, 200]);
      webhookTimes.push(answer.ms, event.ms);
    }
    stop.done = true;
    const results = await Promise.all(uploads);
    console.log(
      'webhook ms max',
      Math.max(...webhookTimes).toFixed(0),
      'upload statuses',
      results.map((r) => r.status),
    );
    expect(Math.max(...webhookTimes)).toBeLessThan(1_000);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.body.error.code).toBe('too_many_uploads');
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThan(0);
  });

  it('webhooks keep answering within 1 s while ten huge uploads stream as fast as they can', async () => {
    async function* hugeRows(offset: number) {
      yield 'number,name\n';
      for (let start = 0; start < 30_000; start += 1_000) {
        let chunk = '';
        for (let i = start; i < start + 1_000; i++) chunk += `+3162${String(offset + i).padStart(7, '0')},n${i}\n`;
        yield chunk;
      }
    }
    const campaigns = await Promise.all(keys.map(newCampaign));
    const uploads = keys.map((auth, i) => upload(auth, campaigns[i] as string, hugeRows(i * 100_000)));
    const webhookTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await timed(`${base}/webhooks/answer?attempt=${randomUUID()}&token=${TOKEN}`, { method: 'GET' });
      expect(answer.status).toBe(200);
      webhookTimes.push(answer.ms);
      await sleep(100);
    }
    const results = await Promise.all(uploads);
    console.log(
      'huge: webhook ms max',
      Math.max(...webhookTimes).toFixed(0),
      results.map((r) => r.status),
    );
    expect(Math.max(...webhookTimes)).toBeLessThan(1_000);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 201 || r.status === 429)).toBe(true);
  });

  it('one key cannot hold every upload slot: its third concurrent upload is refused', async () => {
    const stop = { done: false };
    const auth = keys[0] as string;
    const ids = await Promise.all([1, 2, 3].map(() => newCampaign(auth)));
    const first = ids.slice(0, 2).map((id, i) => upload(auth, id, slowRows(stop, 500_000 + i * 10_000)));
    await sleep(800);
    const third = await upload(auth, ids[2] as string, slowRows({ done: true }, 900_000));
    stop.done = true;
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('too_many_uploads');
    expect(third.body.error.details).toMatchObject({ scope: 'api_key' });
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([201, 201]);
  });

  it('an upload that stops sending is ended with 408 upload_timeout and stores nothing', async () => {
    const auth = keys[1] as string;
    const id = await newCampaign(auth);
    async function* stall() {
      yield 'number\n+31655500001\n';
      await sleep(5_000);
      yield '+31655500002\n';
    }
    const started = performance.now();
    const res = await upload(auth, id, stall());
    expect(performance.now() - started).toBeLessThan(4_500);
    expect(res.status).toBe(408);
    expect(res.body.error.code).toBe('upload_timeout');
    const view = await request(`${base}/v1/campaigns/${id}`, { headers: { authorization: auth } });
    expect(((await view.body.json()) as { recipientCount: number }).recipientCount).toBe(1);
  });
});
