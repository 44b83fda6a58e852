import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_NCCO } from '../src/webhooks/answer-ncco.ts';
import {
  insertAttempt,
  seedCampaign,
  signBody,
  startHarness,
  WEBHOOK_TOKEN,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

describe('answer webhook', () => {
  let h: WebhookHarness;
  let attemptId: string;
  beforeAll(async () => {
    h = await startHarness();
    const ncco = [
      { action: 'talk', text: 'Hello {{name}}, your code is {{ code }}.', language: 'nl-NL' },
      { action: 'input', type: ['dtmf'] },
    ];
    const { campaignId, recipientIds } = await seedCampaign(h, ['+31612340003'], { ncco });
    const recipientId = recipientIds.get('+31612340003') as string;
    await h.database.db
      .updateTable('recipients')
      .set({ data: { name: 'Anna "A" de Vries', code: 42 } })
      .execute();
    attemptId = await insertAttempt(h, campaignId, recipientId, '+31612340003');
  });
  afterAll(() => h.close());

  async function answer(method: 'GET' | 'POST', attempt: string, token = WEBHOOK_TOKEN) {
    const payload = method === 'POST' ? JSON.stringify({ uuid: randomUUID(), to: '31612340003' }) : '';
    return h.app.inject({
      method,
      url: `/webhooks/answer?attempt=${attempt}&token=${token}`,
      headers: {
        authorization: `Bearer ${await signBody(payload)}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { payload } : {}),
    });
  }

  it("returns the campaign's NCCO filled with the recipient's data, on GET and POST", async () => {
    for (const method of ['GET', 'POST'] as const) {
      const response = await answer(method, attemptId);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual([
        { action: 'talk', text: 'Hello Anna "A" de Vries, your code is 42.', language: 'nl-NL' },
        // Issue 13: an input action without its own eventUrl answers to callcast's /webhooks/input.
        {
          action: 'input',
          type: ['dtmf'],
          eventUrl: [expect.stringContaining(`/webhooks/input?attempt=${attemptId}&token=`)],
          eventMethod: 'POST',
        },
      ]);
    }
  });

  it('serves the fallback NCCO for an attempt it does not know', async () => {
    const response = await answer('GET', randomUUID());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(FALLBACK_NCCO);
  });

  it('refuses a wrong token with 401', async () => {
    expect((await answer('GET', attemptId, 'wrong-token-wrong-token')).statusCode).toBe(401);
  });

  it('answers within a few milliseconds', async () => {
    await answer('GET', attemptId);
    const rounds = 20;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await answer('GET', attemptId);
    const perRequestMs = (performance.now() - started) / rounds;
    // Includes signing the JWT in the test; the 5 s Vonage read timeout is three orders away.
    expect(perRequestMs).toBeLessThan(50);
  });
});
