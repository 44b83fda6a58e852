import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntakeHarness, startIntakeHarness } from './support/campaigns-harness.ts';
import { runCli } from './support/cli-runner.ts';

describe('campaign priority, cap, share and estimated finish; key weight from the CLI', () => {
  let harness: IntakeHarness;
  beforeAll(async () => {
    harness = await startIntakeHarness({ CALLS_PER_SECOND: '3' });
  });
  afterAll(() => harness.close());

  const create = async (authorization: string, extra: Record<string, unknown>) =>
    harness.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { authorization, 'content-type': 'application/json' },
      payload: {
        name: 'pace',
        from: '+31201234567',
        ncco: [{ action: 'talk', text: 'hi' }],
        recipients: Array.from({ length: 30 }, (_, i) => ({ number: `+3161200${String(i).padStart(4, '0')}` })),
        ...extra,
      },
    });

  it('stores priority and maxCallsPerSecond and shows the share and a window-aware finish time', async () => {
    const key = await harness.newKey();
    const created = await create(key.authorization, {
      priority: 5,
      maxCallsPerSecond: 1,
      callWindow: { start: '09:00', end: '10:00', days: [1, 2, 3, 4, 5, 6, 7] },
      timezone: 'Europe/Amsterdam',
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    const view = (
      await harness.app.inject({
        method: 'GET',
        url: `/v1/campaigns/${id}`,
        headers: { authorization: key.authorization },
      })
    ).json() as {
      priority: number;
      maxCallsPerSecond: number | null;
      dispatch: { share: number | null; callsPerSecond: number; estimatedFinishAt: string | null };
    };
    expect(view.priority).toBe(5);
    expect(view.maxCallsPerSecond).toBe(1);
    // Nothing dialed yet: no share; 30 calls at ≤ 1/s fit in one hour-long window, so the
    // estimate lies inside a 09:00–10:00 Amsterdam window.
    expect(view.dispatch.share).toBeNull();
    const finish = new Date(view.dispatch.estimatedFinishAt as string);
    const local = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', hour12: false }).format(finish),
    );
    expect(local).toBeGreaterThanOrEqual(9);
    expect(local).toBeLessThanOrEqual(10);
    expect(finish.getTime()).toBeGreaterThan(Date.now());
  });

  it('reports the share of the last minute’s create-calls from the dial counters', async () => {
    const key = await harness.newKey();
    const id = ((await create(key.authorization, {})).json() as { id: string }).id;
    await sql`
      insert into campaign_minute_counters (campaign_id, minute, shard, calls)
      values (${id}, date_trunc('minute', now()), 0, 30)`.execute(harness.db);
    const other = ((await create(key.authorization, {})).json() as { id: string }).id;
    await sql`
      insert into campaign_minute_counters (campaign_id, minute, shard, calls)
      values (${other}, date_trunc('minute', now()), 0, 90)`.execute(harness.db);
    const view = (
      await harness.app.inject({
        method: 'GET',
        url: `/v1/campaigns/${id}`,
        headers: { authorization: key.authorization },
      })
    ).json() as { dispatch: { share: number; callsPerSecond: number } };
    expect(view.dispatch.share).toBeCloseTo(0.25, 5);
    expect(view.dispatch.callsPerSecond).toBeGreaterThan(0);
  });

  it('refuses a priority or cap out of range', async () => {
    const key = await harness.newKey();
    expect((await create(key.authorization, { priority: 5000 })).statusCode).toBe(400);
    expect((await create(key.authorization, { maxCallsPerSecond: 0 })).statusCode).toBe(400);
  });

  it('callcast keys weight <key-name> <n> sets the weight; an unknown key name fails', async () => {
    await sql`insert into api_keys (name, key_hash) values ('weighted key', 'hash-weighted')`.execute(harness.db);
    const ok = await runCli(['keys', 'weight', 'weighted', 'key', '3'], { DATABASE_URL: harness.databaseUrl });
    expect(ok.code, ok.stderr).toBe(0);
    const row = await harness.db
      .selectFrom('api_keys')
      .select('weight')
      .where('name', '=', 'weighted key')
      .executeTakeFirstOrThrow();
    expect(row.weight).toBe(3);
    const missing = await runCli(['keys', 'weight', 'nobody', '2'], { DATABASE_URL: harness.databaseUrl });
    expect(missing.code).not.toBe(0);
  });
});
