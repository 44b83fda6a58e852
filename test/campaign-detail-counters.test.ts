import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

/** GET /v1/campaigns/:id costs the same for 10 or 10 million recipients. */
describe('GET /v1/campaigns/:id recipient counts', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    auth = (await h.newKey()).authorization;
  });
  afterAll(() => h.close());

  it('reads the trigger-kept counter rows, not a group by over the recipients', async () => {
    const recipients = Array.from({ length: 40 }, (_unused, i) => ({
      number: `+316123450${String(i).padStart(2, '0')}`,
    }));
    const created = await postJson(
      h.app,
      '/v1/campaigns',
      auth,
      campaignBody({ recipients, startAt: '2099-01-01T00:00:00Z' }),
    );
    const id = created.json().id as string;
    const get = async () =>
      (await h.app.inject({ method: 'GET', url: `/v1/campaigns/${id}`, headers: { authorization: auth } })).json()
        .recipients;
    expect(await get()).toMatchObject({ pending: 40, queued: 0 });
    await sql`update recipients set status = 'cancelled' where campaign_id = ${id} and id in (
                select id from recipients where campaign_id = ${id} order by id limit 5)`.execute(h.db);
    expect(await get()).toMatchObject({ pending: 35, cancelled: 5 });
    // The counters are the source: a change to them alone shows (the recipients table is not read).
    await sql`update campaign_recipient_counters set recipients = recipients + 1000
              where campaign_id = ${id} and status = 'pending' and shard = (
                select min(shard) from campaign_recipient_counters where campaign_id = ${id} and status = 'pending')`.execute(
      h.db,
    );
    expect(await get()).toMatchObject({ pending: 1035, cancelled: 5 });
  });
});
