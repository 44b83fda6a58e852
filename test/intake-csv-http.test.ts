import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('CSV upload over a real socket', () => {
  let h: IntakeHarness;
  let auth: string;
  let base: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    auth = (await h.newKey()).authorization;
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => h.close());

  const newCampaign = async () => (await postJson(h.app, '/v1/campaigns', auth, campaignBody())).json().id as string;
  async function* rows(count: number, failAfter?: number) {
    yield 'number,name\n';
    for (let start = 0; start < count; start += 500) {
      if (failAfter !== undefined && start >= failAfter) throw new Error('client gave up');
      let chunk = '';
      for (let i = start; i < start + 500; i++) chunk += `+3165${String(i).padStart(7, '0')},n${i}\n`;
      yield chunk;
    }
  }
  const upload = (id: string, body: AsyncIterable<string>) =>
    request(`${base}/v1/campaigns/${id}/recipients`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'text/csv' },
      body: Readable.from(body),
    });

  it('streams a chunked upload into the campaign', async () => {
    const id = await newCampaign();
    const res = await upload(id, rows(20_000));
    expect(res.statusCode).toBe(201);
    expect(await res.body.json()).toMatchObject({ accepted: 20_000, rejectedCount: 0 });
    expect(await h.count('recipients', id)).toBe(20_001);
  });

  it('stores nothing when the client aborts mid-upload', async () => {
    const id = await newCampaign();
    await expect(upload(id, rows(20_000, 10_000)).then((res) => res.body.text())).rejects.toThrow();
    // The server notices the reset asynchronously; wait (bounded) for its transaction to end.
    let released = false;
    for (let i = 0; i < 50 && !released; i++) {
      const open = await h.db
        .selectFrom('campaigns')
        .select('id')
        .where('id', '=', id)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      released = open !== undefined;
      if (!released) await sleep(100);
    }
    expect(released).toBe(true);
    expect(await h.count('recipients', id)).toBe(1);
    const campaign = await h.db
      .selectFrom('campaigns')
      .select('recipient_count')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(campaign?.recipient_count).toBe(1);
  });
});
