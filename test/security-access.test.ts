import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const reminderBody = () => ({
  to: '+31612345678',
  from: '+31201234567',
  ncco: [{ action: 'talk', text: 'Your appointment is tomorrow' }],
  at: inAnHour(),
});

type Method = 'GET' | 'POST' | 'DELETE';
interface Call {
  method: Method;
  url: string;
  body?: unknown;
  contentType?: string;
}

/** Every /v1 route, with ids filled in: one call each. */
function everyRoute(campaignId: string, reminderId: string): Call[] {
  const json = 'application/json';
  return [
    { method: 'POST', url: '/v1/campaigns', body: campaignBody(), contentType: json },
    { method: 'GET', url: '/v1/campaigns' },
    { method: 'GET', url: `/v1/campaigns/${campaignId}` },
    { method: 'POST', url: `/v1/campaigns/${campaignId}/pause` },
    { method: 'POST', url: `/v1/campaigns/${campaignId}/resume` },
    { method: 'POST', url: `/v1/campaigns/${campaignId}/cancel` },
    {
      method: 'POST',
      url: `/v1/campaigns/${campaignId}/recipients`,
      body: [{ number: '+31612340099' }],
      contentType: json,
    },
    {
      method: 'POST',
      url: `/v1/campaigns/${campaignId}/recipients`,
      body: 'number\n+31612340098\n',
      contentType: 'text/csv',
    },
    { method: 'GET', url: `/v1/campaigns/${campaignId}/calls` },
    { method: 'GET', url: `/v1/campaigns/${campaignId}/report.csv` },
    { method: 'POST', url: '/v1/reminders', body: reminderBody(), contentType: json },
    { method: 'GET', url: '/v1/reminders' },
    { method: 'GET', url: `/v1/reminders/${reminderId}` },
    { method: 'DELETE', url: `/v1/reminders/${reminderId}` },
    { method: 'POST', url: '/v1/suppressions', body: { numbers: ['+31612340097'] }, contentType: json },
    { method: 'DELETE', url: '/v1/suppressions', body: { numbers: ['+31612340001'] }, contentType: json },
    { method: 'DELETE', url: '/v1/suppressions/+31612340001' },
  ];
}

describe('access: API keys and tenant isolation', () => {
  let h: IntakeHarness;
  let owner: { id: string; authorization: string };
  let other: { id: string; authorization: string };
  let campaignId: string;
  let reminderId: string;

  beforeAll(async () => {
    h = await startIntakeHarness();
    owner = await h.newKey('owner');
    other = await h.newKey('other');
    const campaign = await postJson(
      h.app,
      '/v1/campaigns',
      owner.authorization,
      campaignBody({ recipients: [{ number: '+31612340001' }, { number: '+31612340002' }] }),
    );
    expect(campaign.statusCode).toBe(201);
    campaignId = campaign.json().id;
    const reminder = await postJson(h.app, '/v1/reminders', owner.authorization, reminderBody());
    expect(reminder.statusCode).toBe(201);
    reminderId = reminder.json().id;
    const suppression = await postJson(h.app, '/v1/suppressions', owner.authorization, { numbers: ['+31612340003'] });
    expect(suppression.statusCode).toBeLessThan(300);
  });
  afterAll(() => h.close());

  function send(call: Call, authorization: string | undefined) {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (call.contentType) headers['content-type'] = call.contentType;
    const payload =
      call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    return h.app.inject({ method: call.method, url: call.url, headers, payload });
  }

  /** Everything the owner has, to prove a refused request changed nothing. */
  async function snapshot() {
    const rows = await sql<{ what: string; n: string }>`
      select 'campaigns' as what, count(*)::text as n from campaigns
      union all select 'recipients', count(*)::text from recipients
      union all select 'attempts', count(*)::text from call_attempts
      union all select 'suppressions', count(*)::text from suppressions
      union all select 'reminders', count(*)::text from reminders
      union all select 'campaign', status from campaigns where id = ${campaignId}
      union all select 'reminder', status from reminders where id = ${reminderId}`.execute(h.db);
    return Object.fromEntries(rows.rows.map((row) => [row.what, row.n]));
  }

  it('answers 401 unauthorized on every /v1 route without a key, with a wrong, malformed or revoked key', async () => {
    const revoked = await h.newKey('revoked');
    await h.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.id).execute();
    const before = await snapshot();
    const bad = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${owner.authorization.slice(7)}x`,
      `Bearer ${owner.authorization.slice(8)}`,
      `Basic ${Buffer.from(`user:${owner.authorization.slice(7)}`).toString('base64')}`,
      `${owner.authorization.slice(7)}`,
      `Bearer ${owner.authorization.slice(7)} extra`,
      "Bearer ' or '1'='1",
      revoked.authorization,
    ];
    for (const call of everyRoute(campaignId, reminderId)) {
      for (const authorization of bad) {
        const response = await send(call, authorization);
        expect(response.statusCode, `${call.method} ${call.url} with ${JSON.stringify(authorization)}`).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("another key gets 404 for the owner's campaign and reminder on every route, and changes nothing", async () => {
    const before = await snapshot();
    const targeted = everyRoute(campaignId, reminderId).filter(
      (call) => call.url.includes(campaignId) || call.url.includes(reminderId),
    );
    expect(targeted).toHaveLength(10);
    for (const call of targeted) {
      const response = await send(call, other.authorization);
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(404);
      expect(response.json().error.code).toBe('not_found');
      // The answer is the same as for an id that exists nowhere: no existence oracle.
      const unknown = await send(
        { ...call, url: call.url.replace(campaignId, randomUUID()).replace(reminderId, randomUUID()) },
        other.authorization,
      );
      expect(unknown.statusCode).toBe(404);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("lists never show another key's campaigns or reminders, and its suppressions are not another key's to delete", async () => {
    const campaigns = await send({ method: 'GET', url: '/v1/campaigns?limit=100' }, other.authorization);
    expect(campaigns.json().items).toEqual([]);
    const reminders = await send({ method: 'GET', url: '/v1/reminders?limit=100' }, other.authorization);
    expect(reminders.json().items).toEqual([]);
    const removal = await send({ method: 'DELETE', url: '/v1/suppressions/+31612340003' }, other.authorization);
    expect(removal.statusCode).toBe(404);
    const kept = await h.db.selectFrom('suppressions').select('number').where('api_key_id', '=', owner.id).execute();
    expect(kept.map((row) => row.number)).toContain('+31612340003');
    // The owner still sees everything.
    const own = await send({ method: 'GET', url: '/v1/campaigns?limit=100' }, owner.authorization);
    expect(own.json().items.map((c: { id: string }) => c.id)).toContain(campaignId);
  });

  it('ids that are not UUIDs, or carry SQL, are a plain 404 (a NUL may be a 400) — never a 500', async () => {
    for (const id of ["1' or '1'='1", '..%2F..%2Fetc%2Fpasswd', `${campaignId}'--`, '%00', 'null', 'x'.repeat(90)]) {
      for (const url of [`/v1/campaigns/${id}`, `/v1/campaigns/${id}/calls`, `/v1/reminders/${id}`]) {
        const response = await send({ method: 'GET', url }, owner.authorization);
        // A NUL byte may be refused as unstorable input (400) before the lookup says 404.
        const expected = id === '%00' ? [400, 404] : [404];
        expect(expected, url).toContain(response.statusCode);
        expect(['not_found', 'validation_failed']).toContain(response.json().error.code);
      }
    }
    // Fastify caps path parameters at 100 characters: longer is 414, still a client error.
    const long = await send({ method: 'GET', url: `/v1/campaigns/${'x'.repeat(300)}` }, owner.authorization);
    expect(long.statusCode).toBe(414);
  });

  it('query strings with injection shapes are 400 validation_failed or filtered safely, never a 500', async () => {
    const urls = [
      '/v1/campaigns?limit=1;drop table campaigns',
      '/v1/campaigns?limit=-1',
      '/v1/campaigns?cursor=%27%20or%201%3D1--',
      '/v1/reminders?cursor=AAAA',
      `/v1/campaigns/${campaignId}/calls?number=%27%20or%201%3D1--`,
      `/v1/campaigns/${campaignId}/calls?outcome=answered%27--`,
      `/v1/campaigns/${campaignId}/calls?limit=100000`,
    ];
    for (const url of urls) {
      const response = await send({ method: 'GET', url }, owner.authorization);
      expect(response.statusCode, url).toBeGreaterThanOrEqual(200);
      expect(response.statusCode, url).toBeLessThan(500);
      if (response.statusCode >= 400) expect(response.json().error.code, url).toBe('validation_failed');
      else expect(response.json().items, url).toEqual([]);
    }
    expect((await snapshot()).campaigns).toBe('1');
  });
});
