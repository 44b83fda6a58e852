import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('Idempotency-Key on POST /v1/campaigns', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    auth = (await h.newKey()).authorization;
  });
  afterAll(() => h.close());

  const create = (body: unknown, key: string, authorization = auth) =>
    postJson(h.app, '/v1/campaigns', authorization, body, { 'idempotency-key': key });

  it('replays the first answer for the same key and body and creates nothing new', async () => {
    const body = campaignBody({ recipients: [{ number: '+31612345678' }, { number: 'bad' }] });
    const first = await create(body, 'replay-1');
    const reordered = { ...Object.fromEntries(Object.entries(body).reverse()) };
    const second = await create(reordered, 'replay-1');
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await h.count('campaigns')).toBe(1);
    expect(await h.count('recipients')).toBe(1);
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    await create(campaignBody({ name: 'A' }), 'reuse-1');
    const before = await h.count('campaigns');
    const res = await create(campaignBody({ name: 'B' }), 'reuse-1');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('idempotency_key_reused');
    expect(await h.count('campaigns')).toBe(before);
  });

  it('scopes keys per API key: another key with the same header value creates its own campaign', async () => {
    const other = await h.newKey('other');
    const mine = await create(campaignBody(), 'shared-value');
    const theirs = await create(campaignBody(), 'shared-value', other.authorization);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(mine.json().id);
  });

  it('creates one campaign when identical requests race', async () => {
    const before = await h.count('campaigns');
    const body = campaignBody({ name: 'race', recipients: [{ number: '+31612345670' }] });
    const answers = await Promise.all([1, 2, 3, 4].map(() => create(body, 'race-1')));
    expect(answers.map((res) => res.statusCode)).toEqual([201, 201, 201, 201]);
    expect(new Set(answers.map((res) => res.json().id)).size).toBe(1);
    expect(answers.filter((res) => res.headers['idempotent-replayed'] === 'true')).toHaveLength(3);
    expect(await h.count('campaigns')).toBe(before + 1);
  });

  it('keeps no key for a request that failed validation, so the corrected retry runs', async () => {
    const bad = await create(campaignBody({ ringingTimer: 0 }), 'fix-1');
    expect(bad.statusCode).toBe(400);
    const good = await create(campaignBody({ ringingTimer: 30 }), 'fix-1');
    expect(good.statusCode).toBe(201);
    expect(good.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 400 for a malformed key', async () => {
    const res = await create(campaignBody(), 'x'.repeat(256));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('Idempotency-Key');
  });
});
