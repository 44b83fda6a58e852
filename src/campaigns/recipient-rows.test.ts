import { describe, expect, it } from 'vitest';
import { dedupe, normalizeRow, type ValidRecipient } from './recipient-rows.ts';

describe('normalizeRow', () => {
  it('normalizes to E.164 with the default region and keeps zone and data', () => {
    expect(
      normalizeRow({ index: 3, number: ' 06-1234 5678 ', timezone: 'Europe/Amsterdam', data: { a: 1 } }, 'NL'),
    ).toEqual({
      index: 3,
      input: '06-1234 5678',
      number: '+31612345678',
      timezone: 'Europe/Amsterdam',
      data: { a: 1 },
    });
  });

  it.each([
    ['', undefined, 'missing_number'],
    ['hello', undefined, 'invalid_number'],
    ['+316123456789012', undefined, 'number_not_possible'],
    ['+31612345678', 'Europe/Atlantis', 'invalid_timezone'],
  ])('rejects %j (zone %s) as %s', (number, timezone, code) => {
    expect(normalizeRow({ index: 0, line: 2, number, timezone }, 'NL')).toEqual({ index: 0, line: 2, number, code });
  });

  it('treats an empty timezone cell as none', () => {
    expect(normalizeRow({ index: 0, number: '+31612345678', timezone: ' ' }, 'NL')).toMatchObject({ timezone: null });
  });
});

describe('dedupe', () => {
  it('keeps the first occurrence of each number and reports the later ones', () => {
    const row = (index: number, number: string) =>
      ({ index, input: `in${index}`, number, timezone: null, data: {} }) as ValidRecipient;
    const { unique, duplicates } = dedupe([row(0, '+31612345678'), row(1, '+31612345679'), row(2, '+31612345678')]);
    expect(unique.map((r) => r.index)).toEqual([0, 1]);
    expect(duplicates).toEqual([{ index: 2, number: 'in2', code: 'duplicate_number' }]);
  });
});
