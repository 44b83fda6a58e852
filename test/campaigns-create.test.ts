import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('POST /v1/campaigns', () => {
  let h: IntakeHarness;
  let auth: string;
  let keyId: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    ({ id: keyId, authorization: auth } = await h.newKey());
  });
  afterAll(() => h.close());

  const expectNothingStored = async () => {
    expect(await h.count('campaigns')).toBe(0);
    expect(await h.count('recipients')).toBe(0);
  };

  it('stores a valid campaign with normalized recipients, status running and the policy defaults', async () => {
    const res = await postJson(
      h.app,
      '/v1/campaigns',
      auth,
      campaignBody({
        recipients: [
          { number: '06 1234 5678', timezone: 'Europe/Amsterdam', data: { name: 'Anna' } },
          { number: '+44 20 7183 8750' },
        ],
        callWindow: { start: '09:00', end: '20:00' },
        machineDetection: 'hangup',
        ringingTimer: 30,
      }),
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'running', accepted: 2, rejectedCount: 0, rejected: [] });
    const campaign = await h.db.selectFrom('campaigns').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(campaign).toMatchObject({
      api_key_id: keyId,
      from_number: '+31201234567',
      status: 'running',
      timezone: 'UTC',
      recipient_count: 2,
      answer_url: null,
      call_window: { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] },
      retry_policy: { maxAttempts: 3, retryOn: ['busy', 'unanswered', 'timeout'], delaySeconds: 900 },
      call_options: { machine_detection: 'hangup', ringing_timer: 30 },
    });
    expect(campaign.ncco).toEqual([{ action: 'talk', text: 'Hello {{name}}', language: 'nl-NL' }]);
    const recipients = await h.db
      .selectFrom('recipients')
      .select(['number', 'timezone', 'data', 'status', 'next_attempt_at'])
      .where('campaign_id', '=', body.id)
      .orderBy('id')
      .execute();
    expect(recipients).toEqual([
      {
        number: '+31612345678',
        timezone: 'Europe/Amsterdam',
        data: { name: 'Anna' },
        status: 'pending',
        next_attempt_at: null,
      },
      { number: '+442071838750', timezone: null, data: {}, status: 'pending', next_attempt_at: null },
    ]);
    await h.db.deleteFrom('campaigns').execute();
  });

  it('keeps a future startAt, an overnight window and an answerUrl instead of an NCCO', async () => {
    const startAt = '2030-01-02T08:00:00+01:00';
    const callWindow = { start: '22:00', end: '02:00', days: [5, 6] };
    const body = campaignBody({ ncco: undefined, answerUrl: 'https://example.com/answer', startAt, callWindow });
    const res = await postJson(h.app, '/v1/campaigns', auth, body);
    expect(res.statusCode).toBe(201);
    const row = await h.db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(row.start_at.toISOString()).toBe('2030-01-02T07:00:00.000Z');
    expect(row.answer_url).toBe('https://example.com/answer');
    expect(row.call_window).toEqual(callWindow);
    expect(row.ncco).toBeNull();
    await h.db.deleteFrom('campaigns').execute();
  });

  it('rejects invalid, impossible, duplicate and bad-timezone rows one by one with stable codes', async () => {
    const res = await postJson(
      h.app,
      '/v1/campaigns',
      auth,
      campaignBody({
        recipients: [
          { number: '+31612345678' },
          { number: 'not a number' },
          { number: '+316123456789012' },
          { number: '0612345678' },
          { number: '+31612345679', timezone: 'Mars/Olympus' },
          { number: '+31612345680', timezone: 'Europe/Amsterdam' },
          { number: '+31612345681', timezone: null },
          { number: '+31612345682', timezone: '' },
        ],
      }),
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.accepted).toBe(4);
    expect(body.rejectedCount).toBe(4);
    expect(body.rejected).toEqual([
      { index: 1, number: 'not a number', code: 'invalid_number' },
      { index: 2, number: '+316123456789012', code: 'number_not_possible' },
      { index: 3, number: '0612345678', code: 'duplicate_number' },
      { index: 4, number: '+31612345679', code: 'invalid_timezone' },
    ]);
    expect(await h.count('recipients', body.id)).toBe(4);
    const campaign = await h.db
      .selectFrom('campaigns')
      .select('recipient_count')
      .where('id', '=', body.id)
      .executeTakeFirst();
    expect(campaign?.recipient_count).toBe(4);
    await h.db.deleteFrom('campaigns').execute();
  });

  it('rejects a number on the key’s suppression list with suppressed_number, but not for another key', async () => {
    const other = await h.newKey('other');
    const listed = await postJson(h.app, '/v1/suppressions', auth, { numbers: ['0612345678'] });
    expect(listed.statusCode).toBe(201);
    const body = campaignBody({ recipients: [{ number: '+31 6 12345678' }, { number: '+31612345670' }] });
    const mine = (await postJson(h.app, '/v1/campaigns', auth, body)).json();
    expect(mine.rejected).toEqual([{ index: 0, number: '+31 6 12345678', code: 'suppressed_number' }]);
    expect(mine.accepted).toBe(1);
    const theirs = (await postJson(h.app, '/v1/campaigns', other.authorization, body)).json();
    expect(theirs).toMatchObject({ accepted: 2, rejectedCount: 0 });
    await h.db.deleteFrom('campaigns').execute();
    await h.db.deleteFrom('suppressions').execute();
  });

  it.each([
    ['a bad NCCO action', { ncco: [{ action: 'talk', txt: 'typo' }] }, 'ncco.0'],
    ['an NCCO with an unknown action', { ncco: [{ action: 'dance' }] }, 'ncco.0.action'],
    ['both ncco and answerUrl', { answerUrl: 'https://example.com/a' }, 'ncco'],
    ['neither ncco nor answerUrl', { ncco: undefined }, 'ncco'],
    ['an unknown field', { retries: 5 }, '(body)'],
    ['an invalid caller id', { from: 'hello' }, 'from'],
    ['an invalid campaign time zone', { timezone: 'Moon/Base' }, 'timezone'],
    ['a call window that ends when it starts', { callWindow: { start: '09:00', end: '09:00' } }, 'callWindow.end'],
    ['a call window hour of 24', { callWindow: { start: '09:00', end: '24:00' } }, 'callWindow.end'],
    ['a weekday out of range', { callWindow: { start: '09:00', end: '17:00', days: [0] } }, 'callWindow.days.0'],
    ['too many attempts', { retry: { maxAttempts: 11 } }, 'retry.maxAttempts'],
    ['a retry outcome that cannot retry', { retry: { retryOn: ['completed'] } }, 'retry.retryOn.0'],
    ['a ringing timer above 120 s', { ringingTimer: 121 }, 'ringingTimer'],
    ['a startAt without an offset', { startAt: '2030-01-01 10:00' }, 'startAt'],
    ['a recipient that is not an object', { recipients: ['+31612345678'] }, 'recipients.0'],
    ['a missing name', { name: undefined }, 'name'],
  ])('answers 400 validation_failed naming the field for %s, storing nothing', async (_name, override, field) => {
    const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody(override));
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((problem: { field: string }) => problem.field)).toContain(field);
    await expectNothingStored();
  });

  it('says how to send more than 10,000 inline recipients', async () => {
    const recipients = Array.from({ length: 10_001 }, (_, i) => ({ number: `+3161${String(i).padStart(7, '0')}` }));
    const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ recipients }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ field: 'recipients' });
    expect(res.json().error.details[0].message).toMatch(/At most 10000 recipients inline.*text\/csv/);
    await expectNothingStored();
  });

  it('answers 400 invalid_json for malformed JSON, storing nothing', async () => {
    const res = await postJson(h.app, '/v1/campaigns', auth, '{"name": "x", ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
    await expectNothingStored();
  });

  it('answers 413 payload_too_large for a body over 10 MB, storing nothing', async () => {
    const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ name: 'x'.repeat(11 * 1024 * 1024) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    await expectNothingStored();
  });

  it.each([
    ['text/plain', 'name=x'],
    ['text/csv', 'number\n+31612345678\n'],
    ['application/x-www-form-urlencoded', 'name=x'],
  ])('answers 415 unsupported_media_type for %s, storing nothing', async (type, payload) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { authorization: auth, 'content-type': type },
      payload,
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
    await expectNothingStored();
  });

  it('answers 401 without an API key', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/campaigns', payload: campaignBody() });
    expect(res.statusCode).toBe(401);
    await expectNothingStored();
  });
});
