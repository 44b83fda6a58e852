import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.ts';
import { csvRecipients } from './csv-recipients.ts';

async function collect(csv: string) {
  const rows = [];
  for await (const row of csvRecipients(Readable.from([csv]))) rows.push(row);
  return rows;
}

describe('csvRecipients', () => {
  it('maps number and timezone columns case-insensitively and the rest into data', async () => {
    expect(await collect('Name,NUMBER,TimeZone\nAnna,+31612345678,UTC\n')).toEqual([
      { index: 0, line: 2, number: '+31612345678', timezone: 'UTC', data: { Name: 'Anna' } },
    ]);
  });

  it('reads Dutch Excel exports separated by semicolons, and tab-separated files', async () => {
    const semicolons = await collect('number;naam;bedrag\r\n0612345678;"de Vries, Jan";12,50\r\n');
    expect(semicolons).toEqual([
      { index: 0, line: 2, number: '0612345678', timezone: null, data: { naam: 'de Vries, Jan', bedrag: '12,50' } },
    ]);
    const tabs = await collect('number\ttimezone\n+31612345678\tUTC\n');
    expect(tabs[0]).toMatchObject({ number: '+31612345678', timezone: 'UTC' });
  });

  it('finds the header even when it arrives split over several chunks', async () => {
    const rows = [];
    for await (const row of csvRecipients(Readable.from(['num', 'ber;na', 'me\n+316123', '45678;A\n']))) rows.push(row);
    expect(rows).toEqual([{ index: 0, line: 2, number: '+31612345678', timezone: null, data: { name: 'A' } }]);
  });

  it('skips blank and all-empty rows without counting them as indexes', async () => {
    const rows = await collect('number,name\n\n,\n+31612345678,a\n\n+31612345679,b\n');
    expect(rows.map((row) => [row.index, row.line, row.number])).toEqual([
      [0, 4, '+31612345678'],
      [1, 6, '+31612345679'],
    ]);
  });

  it('throws invalid_csv with the parser’s reason for an inconsistent row', async () => {
    const failure = await collect('number\n+31612345678\n+31612345679,extra\n').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('invalid_csv');
  });

  it('pulls the source lazily: the first rows arrive long before the source is exhausted', async () => {
    const total = 100_000;
    let produced = 0;
    let maxAhead = 0;
    let consumed = 0;
    const source = Readable.from(
      (function* () {
        yield 'number\n';
        for (let i = 0; i < total; i++) {
          produced++;
          yield `+3161${String(i).padStart(7, '0')}\n`;
        }
      })(),
    );
    for await (const _row of csvRecipients(source)) {
      consumed++;
      maxAhead = Math.max(maxAhead, produced - consumed);
    }
    expect(consumed).toBe(total);
    // Stream buffers (a few 16 KiB high-water marks, ~5k short rows) bound how far the source runs ahead.
    expect(maxAhead).toBeLessThan(10_000);
  });
});
