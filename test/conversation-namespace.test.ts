import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDialSpec } from '../src/dispatch/dial-spec.ts';
import { createApiKey } from '../src/keys/api-keys.ts';
import { insertAttempt, seedCampaign, startHarness, WEBHOOK_TOKEN, type WebhookHarness } from './webhooks-fixtures.ts';

/** Two tenants naming their conference alike must never share its audio. */
describe('conversation names per API key', () => {
  let h: WebhookHarness;
  const attempts: Record<'mine' | 'theirs', string> = { mine: '', theirs: '' };
  beforeAll(async () => {
    h = await startHarness();
    const theirKey = (await createApiKey(h.database.db, 'other tenant')).id;
    const ncco = [{ action: 'conversation', name: 'sales-room' }];
    for (const [who, apiKeyId, number] of [
      ['mine', h.apiKeyId, '+31612340101'],
      ['theirs', theirKey, '+31612340102'],
    ] as const) {
      const { campaignId, recipientIds } = await seedCampaign(h, [number], { ncco, apiKeyId });
      attempts[who] = await insertAttempt(h, campaignId, recipientIds.get(number) as string, number);
    }
  });
  afterAll(() => h.close());

  const answered = async (attempt: string) =>
    (
      await h.app.inject({ method: 'GET', url: `/webhooks/answer?attempt=${attempt}&token=${WEBHOOK_TOKEN}` })
    ).json() as Array<{
      name?: string;
    }>;

  it('the answer NCCO and the inline create-call NCCO carry a per-key conversation name', async () => {
    const mine = (await answered(attempts.mine))[0]?.name;
    const theirs = (await answered(attempts.theirs))[0]?.name;
    expect(mine).toMatch(/sales-room$/);
    expect(theirs).toMatch(/sales-room$/);
    expect(mine).not.toBe(theirs);
    expect(mine).not.toBe('sales-room');
    const spec = await loadDialSpec(h.database.db, attempts.mine);
    expect(((spec?.ncco ?? []) as Array<{ name?: string }>)[0]?.name).toBe(mine);
    const other = await loadDialSpec(h.database.db, attempts.theirs);
    expect(((other?.ncco ?? []) as Array<{ name?: string }>)[0]?.name).toBe(theirs);
  });
});
