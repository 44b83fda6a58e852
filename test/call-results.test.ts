import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ResultsHarness, startResultsHarness, WEBHOOK_TOKEN } from './support/results-harness.ts';
import { waitFor } from './support/wait-for.ts';

// Called number → what the simulated callee does at the `input` action (by last digit).
const CALLEES = [
  { number: '+31612345001', name: 'Ann', label: 'confirmed', digits: '1' },
  { number: '+31612345002', name: 'Bob', label: 'cancelled', digits: '2' },
  { number: '+31612345003', name: 'Cas', label: 'no_answer', digits: '' },
  { number: '+31612345004', name: 'Dee', label: 'confirmed', digits: '' },
  { number: '+31612345009', name: 'Eve', label: 'opt_out', digits: '9' },
];

const NCCO = [
  { action: 'record', format: 'wav' },
  { action: 'talk', text: 'Hello {{name}}. Press 1 to confirm, 2 to cancel.', bargeIn: true },
  { action: 'input', type: ['dtmf', 'speech'], dtmf: { maxDigits: 1, timeOut: 5 }, speech: { language: 'en-GB' } },
];
const RESPONSES = {
  '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'Thank you {{name}}, see you then.' }] },
  '2': { label: 'cancelled', ncco: [{ action: 'talk', text: 'Cancelled for {{name}}.' }] },
  yes: { label: 'confirmed', keywords: ['yes'], ncco: [{ action: 'talk', text: 'Thank you {{name}}, see you then.' }] },
  '9': { label: 'opt_out', optOut: true, ncco: [{ action: 'talk', text: 'We will not call you again.' }] },
  timeout: { label: 'no_answer', ncco: [{ action: 'talk', text: 'We did not hear you, {{name}}.' }] },
};

describe('call answers and recordings (simulator → API → worker over real HTTP)', () => {
  let h: ResultsHarness;
  let owner: { id: string; authorization: string };
  let campaignId: string;

  beforeAll(async () => {
    h = await startResultsHarness({
      inputsByNumber: {
        '1': { dtmf: '1' },
        '2': { dtmf: '2' },
        '3': { timeout: true },
        '4': { speech: 'yes please', confidence: 0.82 },
        '9': { dtmf: '9' },
        '5': [{ dtmf: '1' }, { dtmf: '2' }],
      },
    });
    owner = await h.newKey('owner');
    const created = await h.call('/v1/campaigns', owner.authorization, {
      body: {
        name: 'Appointments',
        from: '+31201234567',
        ncco: NCCO,
        responses: RESPONSES,
        metadata: { batch: 'b-17' },
        retry: { maxAttempts: 1 },
        recipients: CALLEES.map(({ number, name }) => ({ number, data: { name } })),
      },
    });
    expect(created.status).toBe(201);
    campaignId = ((await created.json()) as { id: string }).id;
    await waitFor(
      async () => {
        const campaign = (await (await h.call(`/v1/campaigns/${campaignId}`, owner.authorization)).json()) as {
          status: string;
        };
        return campaign.status === 'completed';
      },
      30_000,
      'the campaign to complete',
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('stores each callee’s answer and reports counts per label, a label filter and CSV columns', async () => {
    const campaign = (await (await h.call(`/v1/campaigns/${campaignId}`, owner.authorization)).json()) as {
      report: { answers: { total: number; byLabel: Record<string, number> } };
      responses: unknown;
      metadata: unknown;
    };
    expect(campaign.report.answers).toEqual({
      total: 5,
      byLabel: { confirmed: 2, cancelled: 1, no_answer: 1, opt_out: 1 },
    });
    expect(campaign.metadata).toEqual({ batch: 'b-17' });

    const confirmed = (await (
      await h.call(`/v1/campaigns/${campaignId}/calls?label=confirmed`, owner.authorization)
    ).json()) as { items: { number: string; label: string; digits: string | null }[] };
    expect(confirmed.items.map((item) => item.number).sort()).toEqual(['+31612345001', '+31612345004']);

    const csv = await (await h.call(`/v1/campaigns/${campaignId}/report.csv`, owner.authorization)).text();
    const [header, ...lines] = csv.trim().split('\r\n');
    const columns = (header as string).split(',');
    const row = (number: string) => (lines.find((line) => line.startsWith(number)) as string).split(',');
    for (const callee of CALLEES) {
      expect(row(callee.number)[columns.indexOf('label')]).toBe(callee.label);
      expect(row(callee.number)[columns.indexOf('digits')]).toBe(callee.digits);
    }

    const speech = await h.database.db
      .selectFrom('call_inputs as i')
      .innerJoin('call_attempts as a', 'a.id', 'i.attempt_id')
      .select(['i.speech_text', 'i.confidence', 'i.seq', 'i.label'])
      .where('a.to_number', '=', '+31612345004')
      .execute();
    expect(speech).toEqual([{ speech_text: 'yes please', confidence: '0.82000', seq: 1, label: 'confirmed' }]);
  });

  it('answers each input within 5 s with the reply NCCO rendered for that recipient', () => {
    const inputs = h.simulator.callbacks().filter((cb) => cb.kind === 'input');
    expect(inputs.length).toBeGreaterThanOrEqual(CALLEES.length);
    for (const cb of inputs) {
      expect(cb.status).toBe(200);
      expect(cb.latencyMs).toBeLessThan(5_000);
    }
    const replyTo = (digits: string) => {
      const uuid = h.simulator.requests().find((r) => r.to === digits && r.status === 201)?.uuid;
      return JSON.stringify(inputs.find((cb) => cb.uuid === uuid)?.ncco);
    };
    expect(replyTo('31612345001')).toContain('Thank you Ann, see you then.');
    expect(replyTo('31612345002')).toContain('Cancelled for Bob.');
    expect(replyTo('31612345003')).toContain('We did not hear you, Cas.');
    expect(replyTo('31612345004')).toContain('Thank you Dee, see you then.');
  });

  it('suppresses an opt-out number before the reply is sent, for every later call of the key', async () => {
    const input = h.simulator
      .callbacks()
      .find((cb) => cb.kind === 'input' && JSON.stringify(cb.ncco).includes('not call you again'));
    expect(input).toBeDefined();
    const row = await h.database.db
      .selectFrom('suppressions')
      .select('created_at')
      .where('api_key_id', '=', owner.id)
      .where('number', '=', '+31612345009')
      .executeTakeFirstOrThrow();
    expect(row.created_at.getTime()).toBeLessThanOrEqual((input?.at ?? 0) + (input?.latencyMs ?? 0));
    const again = await h.call('/v1/campaigns', owner.authorization, {
      body: { name: 'Again', from: '+31201234567', ncco: NCCO, recipients: [{ number: '+31612345009' }] },
    });
    expect(((await again.json()) as { rejected: { code: string }[] }).rejected).toEqual([
      expect.objectContaining({ code: 'suppressed_number' }),
    ]);
  });

  it('stores every answer of a call that asks twice, in order, and reports the latest', async () => {
    const created = await h.call('/v1/campaigns', owner.authorization, {
      body: {
        name: 'Asks twice',
        from: '+31201234567',
        ncco: NCCO.slice(1),
        responses: {
          '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'Sure? Press 2 to cancel.' }, NCCO[2]] },
          '2': { label: 'cancelled' },
        },
        retry: { maxAttempts: 1 },
        recipients: [{ number: '+31612345005', data: { name: 'Fay' } }],
      },
    });
    const { id } = (await created.json()) as { id: string };
    const rows = await waitFor(
      async () => {
        const inputs = await h.database.db
          .selectFrom('call_inputs as i')
          .innerJoin('call_attempts as a', 'a.id', 'i.attempt_id')
          .select(['i.seq', 'i.digits', 'i.label', 'a.answer_label'])
          .where('a.campaign_id', '=', id)
          .orderBy('i.seq')
          .execute();
        return inputs.length === 2 && inputs;
      },
      15_000,
      'two answers of one call',
    );
    expect(rows).toEqual([
      { seq: 1, digits: '1', label: 'confirmed', answer_label: 'cancelled' },
      { seq: 2, digits: '2', label: 'cancelled', answer_label: 'cancelled' },
    ]);
  });

  it('stores a repeated delivery of one input result once and answers it the same; refuses a bad token', async () => {
    const attempt = await h.database.db
      .selectFrom('call_attempts')
      .select('id')
      .where('to_number', '=', '+31612345002')
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    const post = (token: string) =>
      fetch(`${h.apiUrl}/webhooks/input?attempt=${attempt.id}&token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          uuid: 'leg-x',
          timestamp: '2026-12-01T10:00:00.000Z',
          dtmf: { digits: '1', timed_out: false },
        }),
      });
    const first = await (await post(WEBHOOK_TOKEN)).json();
    const again = await (await post(WEBHOOK_TOKEN)).json();
    expect(again).toEqual(first);
    expect(JSON.stringify(first)).toContain('Thank you Bob, see you then.');
    const rows = await h.database.db
      .selectFrom('call_inputs')
      .select('seq')
      .where('attempt_id', '=', attempt.id)
      .execute();
    expect(rows.map((row) => row.seq).sort()).toEqual([1, 2]);
    expect((await post('wrong-token-0123456789')).status).toBe(401);
  });

  it('shows a reminder run’s answer in the reminder view and counts runs per label', async () => {
    const created = await h.call('/v1/reminders', owner.authorization, {
      body: {
        to: '+31612345072',
        from: '+31201234567',
        ncco: NCCO.slice(1),
        responses: RESPONSES,
        metadata: { appointmentId: 'A-7' },
        at: new Date(Date.now() + 1_500).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const view = await waitFor(
      async () => {
        const detail = (await (await h.call(`/v1/reminders/${id}`, owner.authorization)).json()) as {
          runs: { run: number; label: string | null; digits: string | null }[];
          attempts: { status: string; label: string | null }[];
          answers: { byLabel: Record<string, number> };
          metadata: unknown;
        };
        return detail.attempts[0]?.status === 'ended' && detail;
      },
      20_000,
      'the reminder run to end',
    );
    expect(view.runs).toEqual([{ run: 1, label: 'cancelled', digits: '2', outcome: 'completed' }]);
    expect(view.attempts[0]?.label).toBe('cancelled');
    expect(view.answers.byLabel).toEqual({ cancelled: 1 });
    expect(view.metadata).toEqual({ appointmentId: 'A-7' });
  });

  it('streams a recording to the key that owns the call, 404 for another key, 410 once expired', async () => {
    const attempt = await h.database.db
      .selectFrom('call_attempts')
      .select('id')
      .where('to_number', '=', '+31612345001')
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    await waitFor(
      () =>
        h.database.db
          .selectFrom('call_recordings')
          .select('id')
          .where('attempt_id', '=', attempt.id)
          .executeTakeFirst(),
      5_000,
      'the record event',
    );
    const path = `/v1/calls/${attempt.id}/recording`;
    const response = await h.call(path, owner.authorization);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const audio = Buffer.from(await response.arrayBuffer());
    expect(audio.subarray(0, 4).toString()).toBe('RIFF');
    expect(JSON.stringify([...response.headers])).not.toContain('/v1/files/');

    const other = await h.newKey('other');
    const refused = await h.call(path, other.authorization);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('/v1/files/');
    expect((await h.call(`/v1/calls/00000000-0000-4000-8000-000000000000/recording`, owner.authorization)).status).toBe(
      404,
    );

    h.simulator.configure({ recordingTtlMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const expired = await h.call(path, owner.authorization);
    expect(expired.status).toBe(410);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('gone');
  });
});
