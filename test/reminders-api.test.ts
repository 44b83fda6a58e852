import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMINDER_PRIORITY } from '../src/queue/jobs.ts';
import { type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function reminderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    to: '06 1234 5678',
    from: '+31201234567',
    ncco: [{ action: 'talk', text: 'Your appointment is tomorrow at 10:00', language: 'nl-NL' }],
    at: inAnHour(),
    ...overrides,
  };
}

describe('reminders API', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    ({ authorization: auth } = await h.newKey());
  });
  afterAll(() => h.close());

  const get = (url: string, authorization = auth) => h.app.inject({ method: 'GET', url, headers: { authorization } });

  it('stores a one-off reminder with a queued attempt and a delayed job at reminder priority', async () => {
    const at = new Date(Date.now() + 3_600_000);
    const res = await postJson(h.app, '/v1/reminders', auth, reminderBody({ at: at.toISOString() }));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'active', to: '+31612345678', runCount: 1, nextRunAt: at.toISOString() });
    expect(body.attempts).toHaveLength(1);
    const attempt = await h.db
      .selectFrom('call_attempts')
      .selectAll()
      .where('reminder_id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ status: 'queued', campaign_id: null, recipient_id: null, reminder_run: 1 });
    const job = await h.queue.getJob(attempt.id);
    expect(job?.data).toEqual({ attemptId: attempt.id, v: 1 });
    expect(job?.opts.priority).toBe(REMINDER_PRIORITY);
    expect(await job?.getState()).toBe('delayed');
    expect(Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - at.getTime())).toBeLessThan(1_000);
  });

  it('schedules a weekday 09:00 Amsterdam recurrence at its next local 09:00', async () => {
    const recurrence = { cron: '0 9 * * 1-5', timezone: 'Europe/Amsterdam', count: 3 };
    const res = await postJson(h.app, '/v1/reminders', auth, reminderBody({ at: undefined, recurrence }));
    expect(res.statusCode).toBe(201);
    const next = new Date(res.json().nextRunAt);
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Amsterdam',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    expect(res.json().recurrence).toEqual({ ...recurrence, until: null });
  });

  const refused: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'a bad cron',
      { at: undefined, recurrence: { cron: '0 25 * * *', timezone: 'UTC' } },
      'recurrence.cron',
      'invalid_cron',
    ],
    [
      'a 6-field cron',
      { at: undefined, recurrence: { cron: '0 0 9 * * *', timezone: 'UTC' } },
      'recurrence.cron',
      'invalid_cron',
    ],
    [
      'a bad time zone',
      { at: undefined, recurrence: { cron: '0 9 * * *', timezone: 'Mars/Olympus' } },
      'recurrence.timezone',
      'invalid_timezone',
    ],
    ['a time in the past', { at: '2020-01-01T10:00:00+01:00' }, 'at', 'time_in_past'],
    ['both at and recurrence', { recurrence: { cron: '0 9 * * *', timezone: 'UTC' } }, 'at', 'at_and_recurrence'],
    ['neither at nor recurrence', { at: undefined }, 'at', 'schedule_required'],
    [
      'an until in the past',
      { at: undefined, recurrence: { cron: '0 9 * * *', timezone: 'UTC', until: '2020-01-01T00:00:00Z' } },
      'recurrence.until',
      'time_in_past',
    ],
    ['a bad number', { to: '12' }, 'to', 'invalid_number'],
  ];
  it.each(refused)(
    'refuses %s with 400, the field and a stable code, storing nothing',
    async (_name, change, field, code) => {
      const before = await h.db
        .selectFrom('reminders')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const res = await postJson(h.app, '/v1/reminders', auth, reminderBody(change));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ field, code }));
      const after = await h.db
        .selectFrom('reminders')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
    },
  );

  it("refuses a number on the key's do-not-call list", async () => {
    const { id, authorization } = await h.newKey('dnc');
    await h.db.insertInto('suppressions').values({ api_key_id: id, number: '+31612345678' }).execute();
    const res = await postJson(h.app, '/v1/reminders', authorization, reminderBody());
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'to', code: 'suppressed_number' })]);
  });

  it('refuses an offset-less `at` and an unknown field', async () => {
    expect((await postJson(h.app, '/v1/reminders', auth, reminderBody({ at: '2030-01-01T10:00:00' }))).statusCode).toBe(
      400,
    );
    expect((await postJson(h.app, '/v1/reminders', auth, reminderBody({ retries: 3 }))).statusCode).toBe(400);
  });

  it('replays the first answer for the same Idempotency-Key and body, and refuses another body', async () => {
    const body = reminderBody();
    const headers = { 'idempotency-key': 'reminder-abc' };
    const first = await postJson(h.app, '/v1/reminders', auth, body, headers);
    const second = await postJson(h.app, '/v1/reminders', auth, body, headers);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(await h.db.selectFrom('reminders').select('id').where('id', '=', first.json().id).execute()).toHaveLength(1);
    const other = await postJson(h.app, '/v1/reminders', auth, reminderBody({ to: '+31687654321' }), headers);
    expect(other.json().error.code).toBe('idempotency_key_reused');
  });

  it("answers 404 for another key's reminder, on GET and DELETE", async () => {
    const created = (await postJson(h.app, '/v1/reminders', auth, reminderBody())).json();
    const other = await h.newKey('other');
    expect((await get(`/v1/reminders/${created.id}`, other.authorization)).statusCode).toBe(404);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/v1/reminders/${created.id}`,
      headers: { authorization: other.authorization },
    });
    expect(del.statusCode).toBe(404);
    expect((await get(`/v1/reminders/${created.id}`)).json().status).toBe('active');
    expect((await get('/v1/reminders/not-a-uuid')).statusCode).toBe(404);
  });

  it('pages through the key’s reminders newest first with a cursor, without repeats', async () => {
    const { authorization } = await h.newKey('pager');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await postJson(h.app, '/v1/reminders', authorization, reminderBody())).json().id);
    const seen: string[] = [];
    let url = '/v1/reminders?limit=2';
    for (let page = 0; page < 5; page++) {
      const body = (await get(url, authorization)).json();
      seen.push(...body.items.map((item: { id: string }) => item.id));
      expect(body.items.every((item: { nextRunAt: string | null }) => item.nextRunAt !== null)).toBe(true);
      if (!body.nextCursor) break;
      url = `/v1/reminders?limit=2&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('cancels before the due time: the job leaves Redis and the attempt ends skipped', async () => {
    const created = (await postJson(h.app, '/v1/reminders', auth, reminderBody())).json();
    const attemptId = created.attempts[0].id;
    expect(await h.queue.getJob(attemptId)).toBeDefined();
    const res = await h.app.inject({
      method: 'DELETE',
      url: `/v1/reminders/${created.id}`,
      headers: { authorization: auth },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', nextRunAt: null });
    expect(res.json().attempts[0]).toMatchObject({ status: 'ended', outcome: 'skipped' });
    expect(await h.queue.getJob(attemptId)).toBeUndefined();
    const again = await h.app.inject({
      method: 'DELETE',
      url: `/v1/reminders/${created.id}`,
      headers: { authorization: auth },
    });
    expect(again.json().status).toBe('cancelled');
  });

  it('answers in the shapes GET /docs publishes, and the published request schema agrees with the route', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs' })).json();
    expect(doc.paths).toHaveProperty(['/v1/reminders/{id}']);
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    const schemas = doc.components.schemas;
    const recurrence = { cron: '0 9 * * 1-5', timezone: 'Europe/Amsterdam', until: '2030-01-01T00:00:00Z' };
    const body = reminderBody({ at: undefined, recurrence, callWindow: { start: '08:00', end: '21:00' } });
    expect(ajv.compile(schemas.CreateReminder)(body)).toBe(true);
    expect(ajv.compile(schemas.CreateReminder)(reminderBody({ retries: 1 }))).toBe(false);
    const created = await postJson(h.app, '/v1/reminders', auth, body);
    const validDetail = ajv.compile(schemas.ReminderDetail);
    expect(validDetail(created.json()), JSON.stringify(validDetail.errors)).toBe(true);
    const page = (await get('/v1/reminders?limit=3')).json();
    const validPage = ajv.compile(schemas.ReminderPage);
    expect(validPage(page), JSON.stringify(validPage.errors)).toBe(true);
  });
});
