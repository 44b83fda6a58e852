import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../src/outbound/delivery-sender.ts';
import { startIntakeHarness } from './support/campaigns-harness.ts';
import { type ResultsHarness, startResultsHarness, WEBHOOK_TOKEN } from './support/results-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { type Receiver, startReceiver } from './support/webhook-receiver.ts';

/** The receiver outage of the "none lost" test: long enough for many backoff steps (default 2 min in production terms). */
const OUTAGE_MS = Number(process.env.WEBHOOK_TEST_OUTAGE_MS ?? 8_000);

const NCCO = [
  { action: 'talk', text: 'Press 1 to confirm.' },
  { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1 } },
];

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  tries: number;
  attempts: { statusCode: number | null; error: string | null; latencyMs: number }[];
}

describe('outbound webhooks (Standard Webhooks, at-least-once through BullMQ)', () => {
  let h: ResultsHarness;
  let receiver: Receiver;

  beforeAll(async () => {
    // Backoff scaled down (production: 5 s doubling to 1 h, 10 s per try) so an outage of seconds spans many tries.
    h = await startResultsHarness(
      { inputsByNumber: {}, defaultInput: { dtmf: '1' } },
      {
        WEBHOOK_DELIVERY_TIMEOUT_MS: '1000',
        WEBHOOK_RETRY_BASE_MS: '200',
        WEBHOOK_RETRY_MAX_DELAY_MS: '1500',
      },
    );
    receiver = await startReceiver();
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  async function subscribe(authorization: string, url = receiver.url) {
    const response = await h.call('/v1/webhook-endpoints', authorization, { body: { url, description: 'crm' } });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; secret: string; eventTypes: string[] };
  }

  async function runCampaign(authorization: string, numbers: string[]) {
    const response = await h.call('/v1/campaigns', authorization, {
      body: {
        name: 'Webhooks',
        from: '+31201234567',
        ncco: NCCO,
        responses: { '1': { label: 'confirmed' } },
        metadata: { crmBatch: 'X-9' },
        retry: { maxAttempts: 1 },
        recipients: numbers.map((number) => ({ number })),
      },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  const eventsOf = (campaignId: string) =>
    receiver.verified.filter(
      (d) =>
        d.payload.data.campaignId === campaignId ||
        (d.payload.data as { campaignId?: string }).campaignId === campaignId,
    );

  it('signs deliveries verifiably, retries after 500s and a timeout, logs every try and replays one', async () => {
    const key = await h.newKey('crm');
    const endpoint = await subscribe(key.authorization);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const shown = await (await h.call(`/v1/webhook-endpoints/${endpoint.id}`, key.authorization)).text();
    expect(shown).not.toContain(endpoint.secret);
    receiver.setSecrets([endpoint.secret]);
    // 1st try: 500; 2nd: answered after the 1 s limit (a timeout); 3rd: 200.
    receiver.setBehaviour((tryNo) =>
      tryNo === 1 ? { status: 500 } : tryNo === 2 ? { status: 200, delayMs: 1_500 } : { status: 200 },
    );

    const campaignId = await runCampaign(key.authorization, ['+31612340001', '+31612340002']);
    await waitFor(() => Promise.resolve(eventsOf(campaignId).length >= 5), 30_000, 'five events at the receiver');
    const events = eventsOf(campaignId);
    expect(events.map((e) => e.type).sort()).toEqual([
      'call.answered_input',
      'call.answered_input',
      'call.completed',
      'call.completed',
      'campaign.completed',
    ]);
    const completed = events.find((e) => e.type === 'call.completed')?.payload.data;
    expect(completed).toMatchObject({
      outcome: 'completed',
      attemptNo: 1,
      isLastAttempt: true,
      answer: { label: 'confirmed', digits: '1' },
      recordingAvailable: false,
      metadata: { crmBatch: 'X-9' },
    });
    expect(events.find((e) => e.type === 'campaign.completed')?.payload.data).toMatchObject({
      answersByLabel: { confirmed: 2 },
      metadata: { crmBatch: 'X-9' },
    });
    expect(receiver.rejected).toBe(0);

    const page = (await (
      await h.call(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, key.authorization)
    ).json()) as {
      items: Delivery[];
    };
    expect(page.items).toHaveLength(5);
    for (const delivery of page.items) {
      expect(delivery.status).toBe('delivered');
      expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, null, 200]);
      expect(delivery.attempts[1]?.error).toBeTruthy();
      expect(delivery.attempts[1]?.latencyMs).toBeGreaterThanOrEqual(900);
    }

    // Replay: the same event (same webhook-id), signed with both secrets after a rotation.
    const rotated = (await (
      await h.call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, key.authorization, { method: 'POST' })
    ).json()) as { secret: string };
    receiver.setSecrets([rotated.secret]);
    receiver.setBehaviour(() => ({ status: 200 }));
    const target = page.items[0] as Delivery;
    const replay = await h.call(
      `/v1/webhook-endpoints/${endpoint.id}/deliveries/${target.id}/retry`,
      key.authorization,
      {
        method: 'POST',
      },
    );
    expect(replay.status).toBe(202);
    await waitFor(
      () => Promise.resolve(receiver.verified.filter((d) => d.id === target.eventId).length === 2),
      10_000,
      'the replayed delivery',
    );
    receiver.setSecrets([endpoint.secret]);
    const other = await h.newKey('stranger');
    expect((await h.call(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, other.authorization)).status).toBe(404);
  }, 60_000);

  it('a receiver that is down for a whole outage window still gets every event afterwards, none lost', async () => {
    const key = await h.newKey('outage');
    const endpoint = await subscribe(key.authorization);
    receiver.setSecrets([endpoint.secret]);
    receiver.setBehaviour(() => ({ status: 200 }));
    await receiver.down();
    const downAt = Date.now();
    const campaignId = await runCampaign(key.authorization, ['+31612350001', '+31612350002', '+31612350003']);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
    await receiver.up();
    const upAt = Date.now();
    // 3 calls × (answered_input + completed) + campaign.completed.
    await waitFor(() => Promise.resolve(eventsOf(campaignId).length >= 7), 30_000, 'every event after the outage');
    const expected = await sql<{ event_id: string; status: string; tries: number }>`
      select d.event_id, d.status, d.tries from webhook_deliveries d where d.endpoint_id = ${endpoint.id}::uuid`.execute(
      h.database.db,
    );
    expect(expected.rows).toHaveLength(7);
    expect(new Set(eventsOf(campaignId).map((e) => e.id))).toEqual(new Set(expected.rows.map((r) => r.event_id)));
    await waitFor(
      async () =>
        (
          await h.database.db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('endpoint_id', '=', endpoint.id)
            .where('status', '<>', 'delivered')
            .execute()
        ).length === 0,
      5_000,
      'every delivery marked delivered',
    );
    // The receiver really was down: events raised before it came back were refused and retried.
    expect(Math.max(...expected.rows.map((r) => r.tries))).toBeGreaterThanOrEqual(3);
    expect(Math.min(...eventsOf(campaignId).map((e) => e.receivedAt))).toBeGreaterThanOrEqual(upAt);
  }, 60_000);

  it('a recording that arrives after the call completed is announced with call.recording_available', async () => {
    const key = await h.newKey('late-recording');
    const endpoint = await subscribe(key.authorization);
    receiver.setSecrets([endpoint.secret]);
    receiver.setBehaviour(() => ({ status: 200 }));
    const campaignId = await runCampaign(key.authorization, ['+31612360001']);
    await waitFor(
      () => Promise.resolve(eventsOf(campaignId).some((e) => e.type === 'call.completed')),
      30_000,
      'call.completed at the receiver',
    );
    const completed = eventsOf(campaignId).find((e) => e.type === 'call.completed')?.payload.data;
    expect(completed?.recordingAvailable).toBe(false);
    const attemptId = completed?.attemptId as string;
    // The record event, as a gateway sends it once the file is ready: after the call ended.
    const recordEvent = {
      recording_url: `${h.simulator.url}/v1/files/${crypto.randomUUID()}`,
      recording_uuid: crypto.randomUUID(),
      size: 4410,
      start_time: '2026-12-01T10:00:00Z',
      end_time: '2026-12-01T10:00:07Z',
      conversation_uuid: `CON-${crypto.randomUUID()}`,
      timestamp: new Date().toISOString(),
    };
    const post = () =>
      fetch(`${h.apiUrl}/webhooks/event?attempt=${attemptId}&token=${WEBHOOK_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(recordEvent),
      });
    expect((await post()).status).toBe(200);
    // A repeated delivery of the record event is stored and announced once.
    expect((await post()).status).toBe(200);
    await waitFor(
      () => Promise.resolve(eventsOf(campaignId).some((e) => e.type === 'call.recording_available')),
      10_000,
      'call.recording_available at the receiver',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const announced = eventsOf(campaignId).filter((e) => e.type === 'call.recording_available');
    expect(announced).toHaveLength(1);
    expect(announced[0]?.payload.data).toMatchObject({
      attemptId,
      campaignId,
      attemptNo: 1,
      number: '+31612360001',
      durationSeconds: 7,
      sizeBytes: 4410,
      download: `/v1/calls/${attemptId}/recording`,
      metadata: { crmBatch: 'X-9' },
    });
    expect(JSON.stringify(announced[0]?.payload)).not.toContain(recordEvent.recording_url);
  }, 60_000);

  it('410 Gone disables the endpoint; one failing for the whole disable period is disabled with the reason', async () => {
    const key = await h.newKey('gone');
    const endpoint = await subscribe(key.authorization);
    receiver.setSecrets([endpoint.secret]);
    receiver.setBehaviour(() => ({ status: 410 }));
    await runCampaign(key.authorization, ['+31612360001']);
    const disabled = await waitFor(
      async () => {
        const view = (await (await h.call(`/v1/webhook-endpoints/${endpoint.id}`, key.authorization)).json()) as {
          status: string;
          disabledReason: string | null;
        };
        return view.status === 'disabled' && view;
      },
      20_000,
      'the endpoint to be disabled',
    );
    expect(disabled.disabledReason).toContain('410');

    const failingKey = await h.newKey('failing');
    const failing = await subscribe(failingKey.authorization);
    receiver.setSecrets([failing.secret]);
    receiver.setBehaviour(() => ({ status: 503 }));
    // As if it had failed for four days already: the next failed try disables it (WEBHOOK_DISABLE_AFTER_MS = 3 days).
    await sql`update webhook_endpoints set failing_since = now() - interval '4 days' where id = ${failing.id}::uuid`.execute(
      h.database.db,
    );
    await runCampaign(failingKey.authorization, ['+31612370001']);
    const stopped = await waitFor(
      async () => {
        const view = (await (await h.call(`/v1/webhook-endpoints/${failing.id}`, failingKey.authorization)).json()) as {
          status: string;
          disabledReason: string | null;
        };
        return view.status === 'disabled' && view;
      },
      20_000,
      'the failing endpoint to be disabled',
    );
    expect(stopped.disabledReason).toContain('failed for 3 days');
  }, 60_000);
});

describe('webhook endpoint targets (SSRF)', () => {
  it('refuses loopback, private, link-local and metadata addresses and plain http at creation', async () => {
    const harness = await startIntakeHarness({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    try {
      const { authorization } = await harness.newKey();
      for (const url of [
        'https://127.0.0.1/hook',
        'https://localhost/hook',
        'https://10.1.2.3/hook',
        'https://192.168.1.10/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[fd00:ec2::254]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'http://example.com/hook',
      ]) {
        const response = await harness.app.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers: { authorization },
          payload: { url },
        });
        expect(response.statusCode, url).toBe(400);
        expect(response.json().error.details[0]).toMatchObject({ field: 'url', code: 'forbidden_target' });
      }
      expect(await harness.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it('refuses at delivery time a name that resolves to a private address (checked on the connecting socket)', async () => {
    const sender = createSender({ allowPrivateTargets: false, timeoutMs: 2_000 });
    try {
      const result = await sender.send('https://localhost:9/hook', {}, '{}');
      expect(result.statusCode).toBeNull();
      expect(result.error).toContain('refused webhook target');
    } finally {
      await sender.close();
    }
  });
});
