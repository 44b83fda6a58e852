import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSuppressedForCampaign } from '../src/suppressions/suppression-repository.ts';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('/v1/suppressions', () => {
  let h: IntakeHarness;
  let mine: { id: string; authorization: string };
  let theirs: { id: string; authorization: string };
  beforeAll(async () => {
    h = await startIntakeHarness();
    mine = await h.newKey('mine');
    theirs = await h.newKey('theirs');
  });
  afterAll(() => h.close());

  const listed = async (keyId: string) =>
    (
      await h.db.selectFrom('suppressions').select('number').where('api_key_id', '=', keyId).orderBy('number').execute()
    ).map((row) => row.number);
  const del = (url: string, authorization: string, payload?: unknown) =>
    h.app.inject({
      method: 'DELETE',
      url,
      headers: { authorization, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });

  it('adds normalized numbers, reports invalid ones by index and counts only new ones as added', async () => {
    const res = await postJson(h.app, '/v1/suppressions', mine.authorization, {
      numbers: ['06 1234 5601', 'nope', '+31612345601', '+31612345602'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      accepted: 2,
      added: 2,
      rejectedCount: 1,
      rejected: [{ index: 1, number: 'nope', code: 'invalid_number' }],
    });
    const again = await postJson(h.app, '/v1/suppressions', mine.authorization, { numbers: ['+31612345601'] });
    expect(again.json()).toMatchObject({ accepted: 1, added: 0 });
    expect(await listed(mine.id)).toEqual(['+31612345601', '+31612345602']);
    expect(await listed(theirs.id)).toEqual([]);
  });

  it('cancels the number’s pending recipients in the key’s open campaigns, not in other keys’', async () => {
    const body = campaignBody({ recipients: [{ number: '+31612345610' }, { number: '+31612345611' }] });
    const myCampaign = (await postJson(h.app, '/v1/campaigns', mine.authorization, body)).json().id;
    const theirCampaign = (await postJson(h.app, '/v1/campaigns', theirs.authorization, body)).json().id;
    await postJson(h.app, '/v1/suppressions', mine.authorization, { numbers: ['+31612345610'] });
    const statuses = async (campaignId: string) =>
      h.db
        .selectFrom('recipients')
        .select(['number', 'status', 'final_outcome'])
        .where('campaign_id', '=', campaignId)
        .orderBy('number')
        .execute();
    expect(await statuses(myCampaign)).toEqual([
      { number: '+31612345610', status: 'cancelled', final_outcome: 'suppressed' },
      { number: '+31612345611', status: 'pending', final_outcome: null },
    ]);
    expect((await statuses(theirCampaign)).map((row) => row.status)).toEqual(['pending', 'pending']);
  });

  it('withdraws a queued, never-dialed attempt of a newly suppressed number and removes its job', async () => {
    const body = campaignBody({ recipients: [{ number: '+31612345640' }, { number: '+31612345641' }] });
    const id = (await postJson(h.app, '/v1/campaigns', mine.authorization, body)).json().id;
    const recipients = await h.db
      .selectFrom('recipients')
      .select(['id', 'number'])
      .where('campaign_id', '=', id)
      .orderBy('number')
      .execute();
    const attempts = await h.db
      .insertInto('call_attempts')
      .values(
        recipients.map((r, i) => ({
          campaign_id: id,
          recipient_id: r.id,
          attempt_no: 1,
          to_number: r.number,
          status: i === 0 ? 'queued' : 'dialing',
        })),
      )
      .returning('id')
      .execute();
    await h.db.updateTable('recipients').set({ status: 'queued' }).where('campaign_id', '=', id).execute();
    await h.queue.add('call', { attemptId: attempts[0]!.id, v: 1 }, { jobId: attempts[0]!.id });
    await postJson(h.app, '/v1/suppressions', mine.authorization, { numbers: ['+31612345640', '+31612345641'] });
    expect(await h.db.selectFrom('call_attempts').select('status').where('campaign_id', '=', id).execute()).toEqual([
      { status: 'dialing' },
    ]);
    expect(await h.queue.getJob(attempts[0]!.id)).toBeUndefined();
    const after = await h.db
      .selectFrom('recipients')
      .select(['number', 'status'])
      .where('campaign_id', '=', id)
      .orderBy('number')
      .execute();
    expect(after).toEqual([
      { number: '+31612345640', status: 'cancelled' },
      { number: '+31612345641', status: 'queued' },
    ]);
    expect(await isSuppressedForCampaign(h.db, id, '+31612345641')).toBe(true);
    expect(await isSuppressedForCampaign(h.db, id, '+31612345642')).toBe(false);
  });

  it('DELETE /v1/suppressions/:number removes one number (204), then answers 404; a bad number is 400', async () => {
    expect((await del('/v1/suppressions/%2B31612345602', mine.authorization)).statusCode).toBe(204);
    const missing = await del('/v1/suppressions/%2B31612345602', mine.authorization);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    expect((await del('/v1/suppressions/abc', mine.authorization)).statusCode).toBe(400);
    expect(await listed(mine.id)).not.toContain('+31612345602');
  });

  it('DELETE /v1/suppressions with a body removes several, and the number is callable again', async () => {
    await postJson(h.app, '/v1/suppressions', mine.authorization, { numbers: ['+31612345620', '+31612345621'] });
    const res = await del('/v1/suppressions', mine.authorization, {
      numbers: ['+31612345620', '0612345621', '+31612345629'],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 3, removed: 2, rejectedCount: 0, rejected: [] });
    const campaign = await postJson(
      h.app,
      '/v1/campaigns',
      mine.authorization,
      campaignBody({ recipients: [{ number: '+31612345620' }] }),
    );
    expect(campaign.json()).toMatchObject({ accepted: 1, rejectedCount: 0 });
  });

  it('GET /v1/suppressions pages the key’s own numbers in order and filters by prefix', async () => {
    const key = await h.newKey('lister');
    const numbers = ['+31612345703', '+31612345701', '+31612345702', '+442071234567'];
    await postJson(h.app, '/v1/suppressions', key.authorization, { numbers });
    const get = (query: string) =>
      h.app.inject({ method: 'GET', url: `/v1/suppressions${query}`, headers: { authorization: key.authorization } });
    const first = (await get('?limit=2')).json();
    expect(first.items.map((i: { number: string }) => i.number)).toEqual(['+31612345701', '+31612345702']);
    expect(Date.parse(first.items[0].createdAt)).toBeGreaterThan(0);
    const second = (await get(`?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((i: { number: string }) => i.number)).toEqual(['+31612345703', '+442071234567']);
    expect(second.nextCursor).toBeNull();
    const dutch = (await get('?number=316123457')).json();
    expect(dutch.items).toHaveLength(3);
    expect((await get('?number=%2B44')).json().items.map((i: { number: string }) => i.number)).toEqual([
      '+442071234567',
    ]);
    const other = await h.app.inject({
      method: 'GET',
      url: '/v1/suppressions',
      headers: { authorization: theirs.authorization },
    });
    expect(other.json().items).toEqual([]);
    const bad = await get('?number=abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('number');
    expect((await get('?cursor=bm9wZQ')).json().error.details[0].code).toBe('invalid_cursor');
  });

  it('answers 400 for an empty list or an unknown field, storing nothing', async () => {
    const before = await h.count('suppressions');
    for (const body of [{ numbers: [] }, { numbers: ['+31612345630'], reason: 'asked' }, {}]) {
      const res = await postJson(h.app, '/v1/suppressions', mine.authorization, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect(await h.count('suppressions')).toBe(before);
  });
});
