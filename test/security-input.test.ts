import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

const reminderBody = (overrides: Record<string, unknown> = {}) => ({
  to: '+31612345678',
  from: '+31201234567',
  ncco: [{ action: 'talk', text: 'Your appointment is tomorrow' }],
  at: new Date(Date.now() + 3_600_000).toISOString(),
  ...overrides,
});

/** The JSON-accepting write endpoints, each with a valid body to break. */
const ENDPOINTS = [
  { url: '/v1/campaigns', valid: () => campaignBody() },
  { url: '/v1/reminders', valid: () => reminderBody() },
  { url: '/v1/suppressions', valid: () => ({ numbers: ['+31612345678'] }) },
] as const;

/**
 * Bad input the intake tests do not already cover (those: invalid JSON and 413 on campaigns, the
 * 10,000-recipient cap, CSV media types, per-row codes). Each case must be a 4xx with a stable code
 * and leave every table as it was.
 */
describe('bad input: clear 4xx with stable codes, nothing stored', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    ({ authorization: auth } = await h.newKey());
  });
  afterAll(() => h.close());

  async function stored(): Promise<string> {
    const result = await sql<{ n: string }>`
      select concat_ws(',', (select count(*) from campaigns), (select count(*) from recipients),
        (select count(*) from call_attempts), (select count(*) from suppressions),
        (select count(*) from reminders), (select count(*) from idempotency_keys)) as n`.execute(h.db);
    return result.rows[0]?.n ?? '';
  }

  async function expectRefused(
    label: string,
    request: () => Promise<{ statusCode: number; json(): { error?: { code?: string } } }>,
    status: number,
    code: string,
  ) {
    const before = await stored();
    const response = await request();
    expect(response.statusCode, label).toBe(status);
    expect(response.json().error?.code, label).toBe(code);
    expect(await stored(), `${label}: rows changed`).toBe(before);
  }

  it('wrong or missing content types are 415 unsupported_media_type on every JSON endpoint', async () => {
    for (const { url, valid } of ENDPOINTS) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/csv', 'application/xml']) {
        await expectRefused(
          `${url} as ${type}`,
          () => postJson(h.app, url, auth, JSON.stringify(valid()), { 'content-type': type }),
          415,
          'unsupported_media_type',
        );
      }
      await expectRefused(
        `${url} multipart`,
        () =>
          h.app.inject({
            method: 'POST',
            url,
            headers: { authorization: auth, 'content-type': 'multipart/form-data; boundary=x' },
            payload: `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${JSON.stringify(valid())}\r\n--x--\r\n`,
          }),
        415,
        'unsupported_media_type',
      );
    }
  });

  it('malformed, empty, truncated and non-object JSON is 400 on every JSON endpoint', async () => {
    for (const { url, valid } of ENDPOINTS) {
      const text = JSON.stringify(valid());
      for (const payload of [text.slice(0, -1), '{', '', "{'a':1}", '{"a":1}}', 'NaN']) {
        await expectRefused(
          `${url} ${JSON.stringify(payload)}`,
          () => postJson(h.app, url, auth, payload),
          400,
          'invalid_json',
        );
      }
      for (const payload of ['null', '[]', '"text"', '42', 'true']) {
        await expectRefused(`${url} ${payload}`, () => postJson(h.app, url, auth, payload), 400, 'validation_failed');
      }
    }
  });

  it('prototype-pollution keys are refused, and Object.prototype stays clean', async () => {
    for (const { url, valid } of ENDPOINTS) {
      const text = JSON.stringify(valid());
      for (const payload of [
        `${text.slice(0, -1)},"__proto__":{"polluted":true}}`,
        `${text.slice(0, -1)},"constructor":{"prototype":{"polluted":true}}}`,
      ]) {
        const before = await stored();
        const response = await postJson(h.app, url, auth, payload);
        expect(response.statusCode, `${url} ${payload.slice(-50)}`).toBe(400);
        expect(['invalid_json', 'validation_failed']).toContain(response.json().error.code);
        expect(await stored()).toBe(before);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('unknown fields, top-level and nested, are 400 validation_failed naming the field', async () => {
    const cases: Array<[string, unknown]> = [
      ['/v1/campaigns', campaignBody({ retries: 3 })],
      ['/v1/campaigns', campaignBody({ retry: { maxAttempts: 2, backoff: 'exp' } })],
      ['/v1/campaigns', campaignBody({ callWindow: { start: '09:00', end: '17:00', tz: 'UTC' } })],
      ['/v1/campaigns', campaignBody({ recipients: [{ number: '+31612345678', name: 'Anna' }] })],
      ['/v1/campaigns', campaignBody({ ncco: [{ action: 'talk', text: 'hi', bargein: true }] })],
      ['/v1/reminders', reminderBody({ priority: 'high' })],
      ['/v1/reminders', reminderBody({ recurrence: { cron: '0 9 * * *', timezone: 'UTC', every: 2 } })],
      ['/v1/suppressions', { numbers: ['+31612345678'], reason: 'asked' }],
    ];
    for (const [url, body] of cases) {
      const before = await stored();
      const response = await postJson(h.app, url, auth, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(JSON.stringify(response.json().error.details)).toMatch(
        /retries|backoff|tz|name|bargein|priority|every|reason/,
      );
      expect(await stored()).toBe(before);
    }
  });

  it('NUL bytes and lone surrogates in text are a 400, not a database error', async () => {
    const cases: Array<[string, unknown]> = [
      ['/v1/campaigns', campaignBody({ name: 'a\u0000b' })],
      ['/v1/campaigns', campaignBody({ recipients: [{ number: '+31612345678', data: { name: 'x\u0000y' } }] })],
      ['/v1/campaigns', campaignBody({ ncco: [{ action: 'talk', text: 'hi\u0000' }] })],
      ['/v1/reminders', reminderBody({ ncco: [{ action: 'talk', text: 'hi\u0000' }] })],
      ['/v1/campaigns', campaignBody({ recipients: [{ number: '+31612345678', data: { name: '\ud800' } }] })],
    ];
    for (const [url, body] of cases) {
      const before = await stored();
      const response = await postJson(h.app, url, auth, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body).slice(0, 120)}`).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(await stored()).toBe(before);
    }
    const campaign = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ recipients: [] }));
    expect(campaign.statusCode).toBe(201);
    await expectRefused(
      'CSV cell with NUL',
      () =>
        h.app.inject({
          method: 'POST',
          url: `/v1/campaigns/${campaign.json().id}/recipients`,
          headers: { authorization: auth, 'content-type': 'text/csv' },
          payload: 'number,name\n+31612345678,a\u0000b\n',
        }),
      400,
      'validation_failed',
    );
  });

  it('injection-shaped text is stored verbatim as data, and the tables survive it', async () => {
    const shapes = [
      "Robert'); DROP TABLE campaigns;--",
      '<script>alert(1)</script>',
      '{{constructor.constructor("return process")()}}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${…} is the injection shape under test
      '${process.env.GATEWAY_CLIENT_SECRET}',
      "' OR 1=1; --",
    ];
    for (const shape of shapes) {
      const response = await postJson(
        h.app,
        '/v1/campaigns',
        auth,
        campaignBody({ name: shape, recipients: [{ number: '+31612345678', data: { name: shape } }] }),
      );
      expect(response.statusCode, shape).toBe(201);
      const read = await h.app.inject({
        method: 'GET',
        url: `/v1/campaigns/${response.json().id}`,
        headers: { authorization: auth },
      });
      expect(read.json().name).toBe(shape);
      const row = await h.db
        .selectFrom('recipients')
        .select('data')
        .where('campaign_id', '=', response.json().id)
        .executeTakeFirstOrThrow();
      expect((row.data as { name: string }).name).toBe(shape);
    }
    expect(await h.count('campaigns')).toBeGreaterThanOrEqual(shapes.length);
  });

  it('huge inline lists and oversized bodies are 4xx on reminders and suppressions too', async () => {
    const numbers = Array.from({ length: 20_000 }, (_, i) => `+3161${String(i).padStart(7, '0')}`);
    await expectRefused(
      '20k suppressions',
      () => postJson(h.app, '/v1/suppressions', auth, { numbers }),
      400,
      'validation_failed',
    );
    const huge = 'x'.repeat(11 * 1024 * 1024);
    await expectRefused(
      'oversized reminder',
      () => postJson(h.app, '/v1/reminders', auth, reminderBody({ ncco: [{ action: 'talk', text: huge }] })),
      413,
      'payload_too_large',
    );
    await expectRefused(
      'oversized suppressions',
      () => postJson(h.app, '/v1/suppressions', auth, { numbers: [huge] }),
      413,
      'payload_too_large',
    );
    await expectRefused(
      'deeply nested recipient data',
      () =>
        postJson(
          h.app,
          '/v1/campaigns',
          auth,
          `${JSON.stringify(campaignBody({ recipients: [] })).slice(0, -1)},"recipients":[{"number":"+31612345678","data":{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}}]}`,
        ),
      400,
      'validation_failed',
    );
  });
});
