import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRecipients } from '../src/campaigns/csv-recipients.ts';
import type { RawRecipient } from '../src/campaigns/recipient-rows.ts';
import { AppError } from '../src/shared/errors.ts';

/** Field text with everything CSV finds awkward: quotes, commas, line breaks, unicode, spaces. */
const cell = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', '7', ' ', 'é', '€', '😀') },
    { weight: 1, arbitrary: fc.constantFrom('"', ',', '\n', '\r\n', ';', "'", '\t') },
  ),
  maxLength: 30,
});
/** Header names: distinct (case-insensitively), none of them `number`/`timezone`, no surrounding space. */
const dataHeaders = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), {
    maxLength: 4,
    selector: (name) => name.toLowerCase(),
  })
  .filter((names) => names.every((n) => n !== 'number' && n !== 'timezone'));

interface Table {
  header: string[];
  rows: string[][];
  /** Position of the number column. */
  numberAt: number;
}

const tables: fc.Arbitrary<Table> = dataHeaders.chain((data) =>
  fc.integer({ min: 0, max: data.length }).chain((numberAt) => {
    const header = [...data];
    header.splice(numberAt, 0, 'number');
    const row = fc.tuple(
      fc.stringMatching(/^\+?\d{6,14}$/),
      fc.array(cell, { minLength: data.length, maxLength: data.length }),
    );
    return fc.array(row, { maxLength: 20 }).map((pairs) => ({
      header,
      numberAt,
      rows: pairs.map(([number, cells]) => {
        const full = [...cells];
        full.splice(numberAt, 0, number);
        return full;
      }),
    }));
  }),
);

interface Style {
  bom: boolean;
  eol: '\n' | '\r\n';
  /** Quote every field, not only those that need it. */
  quoteAll: boolean;
  /** Blank lines inserted before each row (by row index). */
  blanks: number[];
  trailingEol: boolean;
  /** Split points for the byte stream, so fields straddle chunk boundaries. */
  cuts: number[];
}
const styles: fc.Arbitrary<Style> = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  quoteAll: fc.boolean(),
  blanks: fc.array(fc.nat(2), { maxLength: 21 }),
  trailingEol: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

function field(value: string, quoteAll: boolean): string {
  const needs = /[",\r\n]/.test(value) || value !== value.trim() || value === '';
  return quoteAll || needs ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Writes the table as CSV text and says on which line each data row ends. */
function render(table: Table, style: Style): { text: string; lines: number[] } {
  const out: string[] = [table.header.map((h) => field(h, style.quoteAll)).join(',')];
  let line = 1;
  const lines: number[] = [];
  table.rows.forEach((row, i) => {
    for (let b = 0; b < (style.blanks[i] ?? 0); b++) {
      out.push('');
      line++;
    }
    const text = row.map((value) => field(value, style.quoteAll)).join(',');
    // csv-parse counts each CR and LF inside a quoted field as a line of its own (a quoted CRLF
    // is two): the line is a hint for humans, so the oracle follows the parser rather than RFC 4180.
    line += 1 + (row.join('').match(/[\r\n]/g)?.length ?? 0);
    lines.push(line);
    out.push(text);
  });
  const body = out.join(style.eol) + (style.trailingEol ? style.eol : '');
  return { text: (style.bom ? '\uFEFF' : '') + body, lines };
}

function chunks(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  return parts.filter((part) => part.length > 0);
}

async function collect(parts: Buffer[] | string[]): Promise<RawRecipient[]> {
  const rows: RawRecipient[] = [];
  for await (const row of csvRecipients(Readable.from(parts))) rows.push(row);
  return rows;
}

async function failure(parts: Buffer[] | string[]): Promise<unknown> {
  return collect(parts).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('csvRecipients (property)', () => {
  it('round-trips any table: BOM, CRLF, odd quoting, blank lines, fields split across chunks', async () => {
    await fc.assert(
      fc.asyncProperty(tables, styles, async (table, style) => {
        const { text, lines } = render(table, style);
        const rows = await collect(chunks(text, style.cuts));
        const expected = table.rows.map((row, index) => ({
          index,
          line: lines[index],
          number: row[table.numberAt],
          timezone: null,
          data: Object.fromEntries(
            table.header.map((name, i) => [name, row[i]] as const).filter(([name]) => name !== 'number'),
          ),
        }));
        expect(rows).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a row with a different number of fields is invalid_csv 400, wherever it is', async () => {
    await fc.assert(
      fc.asyncProperty(
        tables.filter((t) => t.rows.length > 0),
        fc.nat(),
        fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0),
        async (table, at, delta) => {
          const index = at % table.rows.length;
          const row = table.rows[index] as string[];
          const width = row.length + delta;
          fc.pre(width >= 1);
          const broken = width < row.length ? row.slice(0, width) : [...row, ...Array(delta).fill('x')];
          // A one-field row that is empty is a blank line, which is skipped by design.
          fc.pre(!(broken.length === 1 && broken[0] === ''));
          const rows = table.rows.map((r, i) => (i === index ? broken : r));
          const { text } = render({ ...table, rows }, { ...PLAIN, quoteAll: true });
          const err = await failure([text]);
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('invalid_csv');
          expect((err as AppError).httpStatus).toBe(400);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('lines up to the record limit parse; one beyond 64 KiB is invalid_csv, not an unbounded buffer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 70_000, max: 200_000 }),
        async (ok, big) => {
          const fine = await collect([`number,note\n+31612345678,${'n'.repeat(ok)}\n`]);
          expect(fine[0]?.data).toEqual({ note: 'n'.repeat(ok) });
          const err = await failure([`number,note\n+31612345678,"${'n'.repeat(big)}\n`]);
          expect((err as AppError).code).toBe('invalid_csv');
        },
      ),
      { numRuns: 10 },
    );
  });

  it('arbitrary bytes end in rows or invalid_csv — never another error, never a hang', async () => {
    const garbage = fc.string({
      unit: fc.constantFrom('n', 'u', 'm', 'b', 'e', 'r', ',', '"', '\n', '\r', ' ', '\uFEFF', '1', '+', 'x'),
      maxLength: 200,
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('number\n', 'number,name\n', ''), garbage, async (head, tail) => {
        const err = await failure([head + tail]);
        if (err !== undefined) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('invalid_csv');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a header without a number column, or repeating a column, is invalid_csv whatever the rows', async () => {
    await fc.assert(
      fc.asyncProperty(tables, fc.boolean(), async (table, repeat) => {
        const header = repeat
          ? [...table.header, 'NUMBER']
          : table.header.map((name) => (name === 'number' ? 'phone' : name));
        const rows = table.rows.map((row) => (repeat ? [...row, '1'] : row));
        const err = await failure([render({ header, rows, numberAt: table.numberAt }, PLAIN).text]);
        expect((err as AppError).code).toBe('invalid_csv');
      }),
      { numRuns: 100 },
    );
  });
});

const PLAIN: Style = { bom: false, eol: '\n', quoteAll: false, blanks: [], trailingEol: true, cuts: [] };
