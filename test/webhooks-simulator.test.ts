import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedOutcome } from '../src/dev/simulator/options.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { summarizeCampaign } from '../src/reports/campaign-summary.ts';
import { answerUrl, eventUrl } from '../src/shared/webhook-urls.ts';
import {
  eventCount,
  insertAttempt,
  SIGNATURE_SECRET,
  seedCampaign,
  startHarness,
  WEBHOOK_TOKEN,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

// Called number (digits) → how the simulator plays the call out → the outcome we must record.
const PLAN: [string, SimulatedOutcome, string][] = [
  ['31612360001', 'answered', 'completed'],
  ['31612360002', 'answered', 'completed'],
  ['31612360003', 'answered', 'completed'],
  ['31612360004', 'busy', 'busy'],
  ['31612360005', 'busy', 'busy'],
  ['31612360006', 'rejected', 'rejected'],
  ['31612360007', 'unanswered', 'unanswered'],
  ['31612360008', 'failed', 'failed'],
];

describe('gateway simulator → real API over HTTP, signed callbacks with duplicates and reordering', () => {
  let h: WebhookHarness;
  let simulator: Simulator;
  let apiUrl: string;
  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    apiUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    simulator = await startSimulator({
      timeScale: 0.005,
      callsPerSecond: 50,
      signatureSecret: SIGNATURE_SECRET,
      duplicateShare: 0.5,
      outOfOrderShare: 0.5,
      numericStyle: 'mixed',
      outcomesByNumber: Object.fromEntries(PLAN.map(([number, outcome]) => [number, outcome])),
      seed: 11,
    });
  });
  afterAll(async () => {
    await simulator?.close();
    await h?.close();
  });

  it('records every call with the right outcome, each event once, and serves each NCCO', async () => {
    const numbers = PLAN.map(([digits]) => `+${digits}`);
    const { campaignId, recipientIds } = await seedCampaign(h, numbers, {
      retryPolicy: { maxAttempts: 1, retryOn: ['busy'], delaySeconds: 60 },
    });
    const base = { publicUrl: apiUrl, webhookToken: WEBHOOK_TOKEN };
    const bearer = await gatewayToken(simulator);
    const attempts = new Map<string, string>();
    for (const [digits] of PLAN) {
      const attemptId = await insertAttempt(h, campaignId, recipientIds.get(`+${digits}`) as string, `+${digits}`);
      attempts.set(digits, attemptId);
      const response = await fetch(`${simulator.url}/voice/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, applicationid: 'app-1' },
        body: JSON.stringify({
          to: [{ type: 'phone', number: digits }],
          from: { type: 'phone', number: '31201234567' },
          answer_url: [answerUrl(base, attemptId)],
          event_url: [eventUrl(base, attemptId)],
        }),
      });
      expect(response.status).toBe(201);
    }
    await settled(simulator, h, campaignId, PLAN.length);

    const callbacks = simulator.callbacks();
    expect(callbacks.filter((cb) => cb.status !== 200)).toEqual([]);
    expect(callbacks.every((cb) => cb.kind !== 'event' || cb.signed)).toBe(true);
    const events = callbacks.filter((cb) => cb.kind === 'event');
    const distinct = new Set(events.map((cb) => `${cb.uuid}|${cb.eventStatus}`));
    expect(events.length).toBeGreaterThan(distinct.size); // the simulator did deliver duplicates
    expect(await eventCount(h)).toBe(distinct.size);

    for (const [digits, , outcome] of PLAN) {
      const attempt = await h.database.db
        .selectFrom('call_attempts')
        .selectAll()
        .where('id', '=', attempts.get(digits) as string)
        .executeTakeFirstOrThrow();
      expect({ digits, status: attempt.status, outcome: attempt.outcome }).toEqual({
        digits,
        status: 'ended',
        outcome,
      });
      expect(attempt.call_uuid).not.toBeNull();
    }
    const answers = callbacks.filter((cb) => cb.kind === 'answer');
    expect(answers.length).toBe(3);
    for (const cb of answers)
      expect(cb.ncco).toEqual([{ action: 'talk', text: expect.stringMatching(/^Hello Person \d$/) }]);

    const summary = await summarizeCampaign(h.database.db, campaignId);
    expect(summary.attempts.byOutcome).toEqual({ completed: 3, busy: 2, rejected: 1, unanswered: 1, failed: 1 });
    expect(summary.recipients).toMatchObject({ finished: PLAN.length, progressPercent: 100 });
  });
});

async function gatewayToken(simulator: Simulator): Promise<string> {
  const response = await fetch(simulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=demo-client&client_secret=demo-secret',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Waits (bounded) until every attempt ended and the simulator has made no callback for a while. */
async function settled(simulator: Simulator, h: WebhookHarness, campaignId: string, calls: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let lastCount = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const count = simulator.callbacks().length;
    if (count !== lastCount) {
      lastCount = count;
      quietSince = Date.now();
    }
    const ended = await h.database.db
      .selectFrom('call_attempts')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'ended')
      .executeTakeFirstOrThrow();
    if (Number(ended.n) === calls && Date.now() - quietSince > 1_000) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`calls did not settle in time (${lastCount} callbacks so far)`);
}
