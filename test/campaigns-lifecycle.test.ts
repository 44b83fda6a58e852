import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('campaign reads and pause/resume/cancel', () => {
  let h: IntakeHarness;
  let auth: string;
  let other: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    auth = (await h.newKey()).authorization;
    other = (await h.newKey('other')).authorization;
  });
  afterAll(() => h.close());

  const numbers = (n: number, offset = 0) =>
    Array.from({ length: n }, (_, i) => ({ number: `+3162${String(offset + i).padStart(7, '0')}` }));
  const create = async (overrides: Record<string, unknown> = {}) =>
    (await postJson(h.app, '/v1/campaigns', auth, campaignBody(overrides))).json().id as string;
  const get = (url: string, authorization = auth) => h.app.inject({ method: 'GET', url, headers: { authorization } });
  const act = (id: string, action: string, authorization = auth) =>
    h.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/${action}`, headers: { authorization } });

  /** What the feeder does: queue an attempt for each of the first `n` pending recipients, with a job. */
  async function queueAttempts(campaignId: string, n: number): Promise<string[]> {
    const queued = await sql<{ id: string }>`
      with picked as (
        update recipients set status = 'queued'
        where id in (select id from recipients where campaign_id = ${campaignId} and status = 'pending' order by id limit ${n})
        returning id, number, attempt_count)
      insert into call_attempts (campaign_id, recipient_id, attempt_no, to_number)
      select ${campaignId}::uuid, id, attempt_count + 1, number from picked
      returning id`.execute(h.db);
    const ids = queued.rows.map((row) => row.id);
    await h.queue.addBulk(
      ids.map((attemptId) => ({ name: 'call', data: { attemptId, v: 1 as const }, opts: { jobId: attemptId } })),
    );
    return ids;
  }

  it('GET /v1/campaigns/:id returns the campaign with recipient counts per status', async () => {
    const id = await create({ recipients: numbers(3), callWindow: { start: '09:00', end: '17:00', days: [1, 2, 3] } });
    await queueAttempts(id, 1);
    const res = await get(`/v1/campaigns/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      name: 'Spring reminder',
      from: '+31201234567',
      status: 'running',
      timezone: 'UTC',
      callWindow: { start: '09:00', end: '17:00', days: [1, 2, 3] },
      retry: { maxAttempts: 3, retryOn: ['busy', 'unanswered', 'timeout'], delaySeconds: 900 },
      recipientCount: 3,
      recipients: { pending: 2, queued: 1, done: 0, cancelled: 0 },
    });
  });

  it('answers 404 for another key’s campaign, on reads and on actions', async () => {
    const id = await create();
    expect((await get(`/v1/campaigns/${id}`, other)).statusCode).toBe(404);
    expect((await act(id, 'cancel', other)).statusCode).toBe(404);
    const upload = await postJson(h.app, `/v1/campaigns/${id}/recipients`, other, numbers(1));
    expect(upload.statusCode).toBe(404);
    expect((await get(`/v1/campaigns/${id}`)).json().status).toBe('running');
    expect((await get('/v1/campaigns/not-a-uuid')).json().error.code).toBe('not_found');
  });

  it('pause deletes never-dialed attempts, returns their recipients to pending and removes their jobs', async () => {
    const id = await create({ recipients: numbers(4, 100) });
    const attempts = await queueAttempts(id, 3);
    await h.db.updateTable('call_attempts').set({ status: 'dialing' }).where('id', '=', attempts[0]!).execute();
    const res = await act(id, 'pause');
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('paused');
    const left = await h.db
      .selectFrom('call_attempts')
      .select(['id', 'status'])
      .where('campaign_id', '=', id)
      .execute();
    expect(left).toEqual([{ id: attempts[0], status: 'dialing' }]);
    expect((await get(`/v1/campaigns/${id}`)).json().recipients).toEqual({
      pending: 3,
      queued: 1,
      done: 0,
      cancelled: 0,
    });
    const counts = await h.db
      .selectFrom('recipients')
      .select(['status', 'attempt_count'])
      .where('campaign_id', '=', id)
      .execute();
    expect(counts.filter((row) => row.status === 'pending').every((row) => row.attempt_count === 0)).toBe(true);
    expect(await h.queue.getJob(attempts[1]!)).toBeUndefined();
    expect(await h.queue.getJob(attempts[2]!)).toBeUndefined();
    expect(await h.queue.getJob(attempts[0]!)).toBeDefined();
  });

  it('pause waits for a feeder batch in flight and withdraws the attempts it queued', async () => {
    const id = await create({ recipients: numbers(2, 400) });
    let locked!: () => void;
    let release!: () => void;
    const hasLock = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The feeder's transaction shape: advisory lock on the campaign, then queued attempts.
    const feeder = h.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${id}))`.execute(trx);
      await sql`
        with picked as (update recipients set status = 'queued' where campaign_id = ${id} returning id, number)
        insert into call_attempts (campaign_id, recipient_id, attempt_no, to_number)
        select ${id}::uuid, id, 1, number from picked`.execute(trx);
      locked();
      await released;
    });
    await hasLock;
    const pausing = act(id, 'pause');
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await feeder;
    expect((await pausing).json().status).toBe('paused');
    expect(await h.count('call_attempts', id)).toBe(0);
    expect((await get(`/v1/campaigns/${id}`)).json().recipients).toMatchObject({ pending: 2, queued: 0 });
  });

  it('resume sets running again; pausing twice is a no-op success', async () => {
    const id = await create();
    expect((await act(id, 'pause')).json().status).toBe('paused');
    expect((await act(id, 'pause')).statusCode).toBe(200);
    expect((await act(id, 'resume')).json().status).toBe('running');
  });

  it('cancel deletes queued attempts and cancels every pending or queued recipient', async () => {
    const id = await create({ recipients: numbers(3, 200) });
    const attempts = await queueAttempts(id, 2);
    const res = await act(id, 'cancel');
    expect(res.json().status).toBe('cancelled');
    expect(await h.count('call_attempts', id)).toBe(0);
    expect((await get(`/v1/campaigns/${id}`)).json().recipients).toEqual({
      pending: 0,
      queued: 0,
      done: 0,
      cancelled: 3,
    });
    for (const attemptId of attempts) expect(await h.queue.getJob(attemptId)).toBeUndefined();
  });

  it('answers 409 invalid_state for resume or pause of a cancelled campaign, and for new recipients', async () => {
    const id = await create();
    await act(id, 'cancel');
    for (const action of ['resume', 'pause']) {
      const res = await act(id, action);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'invalid_state', details: { status: 'cancelled', action } });
    }
    const upload = await postJson(h.app, `/v1/campaigns/${id}/recipients`, auth, numbers(1, 300));
    expect(upload.statusCode).toBe(409);
    expect(await h.count('recipients', id)).toBe(1);
  });

  it('pages through the key’s campaigns newest first with an opaque cursor, never repeating one', async () => {
    const key = await h.newKey('pager');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await postJson(h.app, '/v1/campaigns', key.authorization, campaignBody({ name: `c${i}` }))).json().id);
    }
    // Two campaigns created in one instant must still page in a stable order.
    await h.db
      .updateTable('campaigns')
      .set({ created_at: new Date('2026-01-01T00:00:00Z') })
      .where('id', 'in', ids)
      .execute();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/campaigns?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(url, key.authorization)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item: { id: string }) => item.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort().reverse());
    const bad = await get('/v1/campaigns?cursor=nonsense', key.authorization);
    expect(bad.statusCode).toBe(400);
    expect((await get('/v1/campaigns?limit=500', key.authorization)).statusCode).toBe(400);
  });
});
