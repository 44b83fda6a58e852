import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('POST /v1/campaigns/:id/recipients', () => {
  let h: IntakeHarness;
  let auth: string;
  beforeAll(async () => {
    h = await startIntakeHarness();
    auth = (await h.newKey()).authorization;
  });
  afterAll(() => h.close());

  const newCampaign = async () =>
    (await postJson(h.app, '/v1/campaigns', auth, campaignBody({ recipients: [{ number: '+31612345678' }] }))).json()
      .id as string;
  const uploadCsv = (id: string, payload: string | Readable, type = 'text/csv') =>
    h.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/recipients`,
      headers: { authorization: auth, 'content-type': type },
      payload,
    });

  it('stores CSV rows with timezone and data columns, handling a BOM, quotes and blank lines', async () => {
    const id = await newCampaign();
    const csv =
      '\uFEFFNumber,Timezone,name,note\r\n' +
      '0612345670,Europe/Amsterdam,Anna,"says ""hi"", twice"\r\n' +
      '\r\n' +
      '+44 20 7183 8750,,Bob,"line one\nline two"\r\n';
    const res = await uploadCsv(id, csv);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id, accepted: 2, rejectedCount: 0, rejected: [] });
    const rows = await h.db
      .selectFrom('recipients')
      .select(['number', 'timezone', 'data', 'status'])
      .where('campaign_id', '=', id)
      .orderBy('id')
      .execute();
    expect(rows.slice(1)).toEqual([
      {
        number: '+31612345670',
        timezone: 'Europe/Amsterdam',
        data: { name: 'Anna', note: 'says "hi", twice' },
        status: 'pending',
      },
      { number: '+442071838750', timezone: null, data: { name: 'Bob', note: 'line one\nline two' }, status: 'pending' },
    ]);
    const campaign = await h.db
      .selectFrom('campaigns')
      .select('recipient_count')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(campaign?.recipient_count).toBe(3);
  });

  it('rejects bad rows one by one with their index, line and code, storing the good ones', async () => {
    const id = await newCampaign();
    await postJson(h.app, '/v1/suppressions', auth, { numbers: ['+31612345699'] });
    const csv = [
      'number,timezone',
      '+31612345671,UTC',
      'garbage,UTC',
      ',UTC',
      '06 12345678,', // already in the campaign from its creation
      '+31612345671,', // earlier in this file
      '+31612345672,Nowhere/City',
      '+31612345699,',
      '+31612345673,Asia/Tokyo',
    ].join('\n');
    const res = await uploadCsv(id, csv);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id,
      accepted: 2,
      rejectedCount: 6,
      rejected: [
        { index: 1, line: 3, number: 'garbage', code: 'invalid_number' },
        { index: 2, line: 4, number: '', code: 'missing_number' },
        { index: 3, line: 5, number: '06 12345678', code: 'duplicate_number' },
        { index: 4, line: 6, number: '+31612345671', code: 'duplicate_number' },
        { index: 5, line: 7, number: '+31612345672', code: 'invalid_timezone' },
        { index: 6, line: 8, number: '+31612345699', code: 'suppressed_number' },
      ],
    });
    expect(await h.count('recipients', id)).toBe(3);
  });

  it.each([
    ['an unclosed quote', 'number,name\n+31612345674,"Anna\n+31612345675,Bob\n'],
    ['a row with an extra field', 'number,name\n+31612345674,Anna\n+31612345675,Bob,extra\n'],
    ['no number column', 'phone,name\n+31612345674,Anna\n'],
    ['a repeated column', 'number,name,Name\n+31612345674,Anna,B\n'],
    ['an empty file', ''],
  ])('answers 400 invalid_csv for %s and stores no row of it', async (_name, csv) => {
    const id = await newCampaign();
    const res = await uploadCsv(id, csv);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_csv');
    expect(await h.count('recipients', id)).toBe(1);
    const campaign = await h.db
      .selectFrom('campaigns')
      .select('recipient_count')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(campaign?.recipient_count).toBe(1);
  });

  it('rolls back rows of earlier batches when the structure breaks late in a big file', async () => {
    const id = await newCampaign();
    const good = Array.from({ length: 5_000 }, (_, i) => `+3163${String(i).padStart(7, '0')},x`).join('\n');
    const res = await uploadCsv(id, `number,name\n${good}\n+31612345676,"unterminated\n`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/Malformed CSV/);
    expect(await h.count('recipients', id)).toBe(1);
  });

  it('takes a JSON array the same way, with per-row codes', async () => {
    const id = await newCampaign();
    const res = await postJson(h.app, `/v1/campaigns/${id}/recipients`, auth, [
      { number: '+31612345677', data: { name: 'Cy' } },
      { number: '+31612345678' },
    ]);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id,
      accepted: 1,
      rejectedCount: 1,
      rejected: [{ index: 1, number: '+31612345678', code: 'duplicate_number' }],
    });
  });

  it('accepts text/csv with a charset parameter and application/csv', async () => {
    const id = await newCampaign();
    expect((await uploadCsv(id, 'number\n+31612345681\n', 'text/csv; charset=utf-8')).json().accepted).toBe(1);
    expect((await uploadCsv(id, 'number\n+31612345682\n', 'application/csv')).json().accepted).toBe(1);
  });

  it('answers 415 for other content types and 400 for a JSON object instead of an array', async () => {
    const id = await newCampaign();
    expect((await uploadCsv(id, 'number\n+31612345679', 'text/plain')).statusCode).toBe(415);
    const notArray = await postJson(h.app, `/v1/campaigns/${id}/recipients`, auth, { number: '+31612345679' });
    expect(notArray.statusCode).toBe(400);
    expect(await h.count('recipients', id)).toBe(1);
  });

  /** A CSV generated lazily in 1,000-row chunks: the whole file never exists as one string. */
  function lazyCsv(rows: number, prefix: string, beforeChunk?: (produced: number) => Promise<void>): Readable {
    return Readable.from(
      (async function* () {
        yield 'number,timezone,name\n';
        for (let start = 0; start < rows; start += 1_000) {
          await beforeChunk?.(start);
          let chunk = '';
          for (let i = start; i < start + 1_000; i++)
            chunk += `${prefix}${String(i).padStart(7, '0')},Europe/Amsterdam,n${i}\n`;
          yield chunk;
        }
      })(),
    );
  }
  const recipientsBytes = async () =>
    (await sql<{ n: string }>`select pg_relation_size('recipients') as n`.execute(h.db)).rows[0]!.n;

  it('streams a 100k-row CSV into Postgres without holding it in memory', async () => {
    // Warm-up: let V8 grow its heap for the per-batch garbage first, so the measured delta is
    // mostly what the bigger file adds.
    expect((await uploadCsv(await newCampaign(), lazyCsv(20_000, '+3166'))).statusCode).toBe(201);
    const id = await newCampaign();
    const rows = 100_000;
    const sizeBefore = Number(await recipientsBytes());
    let sizeAt90k = 0;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = Date.now();
    const res = await uploadCsv(
      id,
      // Uncommitted inserts already extend the table's file: if rows reach Postgres before the
      // file ends, the upload is being streamed, not buffered.
      lazyCsv(rows, '+3164', async (produced) => {
        if (produced === 90_000) sizeAt90k = Number(await recipientsBytes());
      }),
    );
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ accepted: rows, rejectedCount: 0 });
    expect(await h.count('recipients', id)).toBe(rows + 1);
    const grownMb = (sizeAt90k - sizeBefore) / 1024 / 1024;
    expect(grownMb).toBeGreaterThan(3); // ≥ ~40k of the first 90k rows (~100 bytes each) stored
    const deltaMb = (peak - baseline) / 1024 / 1024;
    console.info(
      `100k-row CSV: ${seconds.toFixed(1)} s; recipients table +${grownMb.toFixed(1)} MB before the last 10k rows were sent; peak RSS delta ${deltaMb.toFixed(0)} MB`,
    );
    // Only a sanity bound: RSS mostly tracks V8's heap growth for short-lived per-batch garbage.
    expect(deltaMb).toBeLessThan(200);
  });
});
