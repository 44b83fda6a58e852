import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';
import { runCli } from './support/cli-runner.ts';

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const reminderBody = (overrides: Record<string, unknown> = {}) => ({
  to: '+31612345678',
  from: '+31201234567',
  ncco: [{ action: 'talk', text: 'Tomorrow at 10' }],
  at: inAnHour(),
  ...overrides,
});
const connectTo = (endpoint: Record<string, unknown>) => [{ action: 'connect', endpoint: [endpoint] }];

/** Toll fraud and caller-id spoofing between tenants (DEFAULT_REGION=NL, default policy). */
describe('what a key may dial', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    auth = (await h.newKey('dial-policy')).authorization;
  });
  afterAll(() => h.close());

  it('refuses premium-rate, shared-cost and other disallowed recipients row by row with their own codes', async () => {
    const recipients = [
      { number: '+31612345678' }, // mobile
      { number: '+31900123456' }, // NL 0900: premium rate
      { number: '+34901123456' }, // ES 901: shared cost
      { number: '+31880123456' }, // NL 088: UAN
      { number: '+31201234567' }, // fixed line
    ];
    const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ recipients }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      accepted: 2,
      rejected: [
        { index: 1, code: 'premium_rate_number' },
        { index: 2, code: 'shared_cost_number' },
        { index: 3, code: 'number_type_not_allowed' },
      ],
    });
  });

  it('refuses a reminder to a premium-rate number with its code and field', async () => {
    const res = await postJson(h.app, '/v1/reminders', auth, reminderBody({ to: '+31906123456' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'premium_rate_number', details: [{ field: 'to' }] });
  });

  it('lets connect reach only phone numbers in the region, of allowed types', async () => {
    const refused = [
      [{ type: 'sip', uri: 'sip:rebel@example.com' }, 'connect_not_allowed'],
      [
        { type: 'websocket', uri: 'wss://example.com/audio', 'content-type': 'audio/l16;rate=16000' },
        'connect_not_allowed',
      ],
      [{ type: 'vbc', extension: '123' }, 'connect_not_allowed'],
      [{ type: 'phone', number: '447700900123' }, 'connect_not_allowed'],
      [{ type: 'phone', number: '31900123456' }, 'premium_rate_number'],
    ] as const;
    for (const [endpoint, code] of refused) {
      const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ ncco: connectTo(endpoint) }));
      expect(res.statusCode, JSON.stringify(endpoint)).toBe(400);
      expect(res.json().error).toMatchObject({ code, details: [{ field: 'ncco[0].endpoint[0]', code }] });
      const reminder = await postJson(h.app, '/v1/reminders', auth, reminderBody({ ncco: connectTo(endpoint) }));
      expect(reminder.json().error?.code, JSON.stringify(endpoint)).toBe(code);
    }
    const ok = await postJson(
      h.app,
      '/v1/campaigns',
      auth,
      campaignBody({ ncco: connectTo({ type: 'phone', number: '31612345670' }) }),
    );
    expect(ok.statusCode).toBe(201);
  });

  it('checks a {{placeholder}} connect number per recipient, as rendered from its data', async () => {
    const ncco = connectTo({ type: 'phone', number: '{{agent}}' });
    const recipients = [
      { number: '+31612345001', data: { agent: '31612345670' } }, // NL mobile: fine
      { number: '+31612345002', data: { agent: '31900123456' } }, // premium rate
      { number: '+31612345003', data: { agent: '447911123456' } }, // outside the region
    ];
    const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ ncco, recipients }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 1, code: 'premium_rate_number' },
        { index: 2, code: 'connect_not_allowed' },
      ],
    });
    const id = res.json().id as string;
    const csv = await h.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/recipients`,
      headers: { authorization: auth, 'content-type': 'text/csv' },
      payload: 'number,agent\n+31612345004,31612345671\n+31612345005,31906123456\n',
    });
    expect(csv.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: 'premium_rate_number' }] });
  });

  it('pins caller ids per key with `callcast keys numbers`: other from numbers are refused, keys without numbers are free', async () => {
    const pinned = await h.newKey('pinned-tenant');
    const other = await h.newKey('free-tenant');
    const env = { DATABASE_URL: h.databaseUrl, LOG_LEVEL: 'silent' };
    const added = await runCli(['keys', 'numbers', 'pinned-tenant', 'add', '+31201234567', '020 765 4321'], env);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ name: 'pinned-tenant', numbers: ['+31201234567', '+31207654321'] });

    const foreign = await postJson(
      h.app,
      '/v1/campaigns',
      pinned.authorization,
      campaignBody({ from: '+31301234567' }),
    );
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error).toMatchObject({
      code: 'from_not_registered',
      details: [{ field: 'from', code: 'from_not_registered' }],
    });
    const foreignReminder = await postJson(
      h.app,
      '/v1/reminders',
      pinned.authorization,
      reminderBody({ from: '+31301234567' }),
    );
    expect(foreignReminder.json().error).toMatchObject({ code: 'from_not_registered', details: [{ field: 'from' }] });
    expect(
      (await postJson(h.app, '/v1/campaigns', pinned.authorization, campaignBody({ from: '+31207654321' }))).statusCode,
    ).toBe(201);
    expect((await postJson(h.app, '/v1/reminders', pinned.authorization, reminderBody())).statusCode).toBe(201);
    // Another key is not restricted by these numbers.
    expect(
      (await postJson(h.app, '/v1/campaigns', other.authorization, campaignBody({ from: '+31301234567' }))).statusCode,
    ).toBe(201);

    const listed = await runCli(['keys', 'numbers', 'pinned-tenant', 'list'], env);
    expect(JSON.parse(listed.stdout).numbers).toEqual(['+31201234567', '+31207654321']);
    const removed = await runCli(['keys', 'numbers', 'pinned-tenant', 'remove', '+31201234567', '+31207654321'], env);
    expect(JSON.parse(removed.stdout).numbers).toEqual([]);
    expect(
      (await postJson(h.app, '/v1/campaigns', pinned.authorization, campaignBody({ from: '+31301234567' }))).statusCode,
    ).toBe(201);
  });
});

describe('what a key may dial, as the operator configured it', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness({
      ALLOWED_NUMBER_TYPES: 'MOBILE,FIXED_LINE,PREMIUM_RATE',
      CONNECT_ENDPOINT_TYPES: 'phone,sip',
      CONNECT_NUMBER_PREFIXES: '31,44',
    });
    auth = (await h.newKey('configured')).authorization;
  });
  afterAll(() => h.close());

  it('honours ALLOWED_NUMBER_TYPES, CONNECT_ENDPOINT_TYPES and CONNECT_NUMBER_PREFIXES', async () => {
    const recipients = [{ number: '+31900123456' }, { number: '+31851234567' }];
    const res = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ recipients }));
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: 'number_type_not_allowed' }] });
    for (const endpoint of [
      { type: 'sip', uri: 'sip:desk@example.com' },
      { type: 'phone', number: '447911123456' },
    ]) {
      const ok = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ ncco: connectTo(endpoint) }));
      expect(ok.statusCode, JSON.stringify(endpoint)).toBe(201);
    }
    const ws = { type: 'websocket', uri: 'wss://example.com/a', 'content-type': 'audio/l16;rate=16000' };
    expect((await postJson(h.app, '/v1/campaigns', auth, campaignBody({ ncco: connectTo(ws) }))).statusCode).toBe(400);
  });
});
