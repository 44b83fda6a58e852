import { describe, expect, it } from 'vitest';
import { assertCron, nextOccurrence, nextRun, RecurrenceError, wallTimeToInstant } from './recurrence.ts';

const AMS = 'Europe/Amsterdam';
const iso = (date: Date | undefined) => date?.toISOString();

/** Successive occurrences after `from`. */
function occurrences(cron: string, zone: string, from: string, n: number): string[] {
  const out: string[] = [];
  let after = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = nextOccurrence(cron, zone, after);
    if (!next) break;
    out.push(next.toISOString());
    after = next;
  }
  return out;
}

describe('nextOccurrence across daylight-saving changes', () => {
  it('keeps a weekday 09:00 Amsterdam reminder at 09:00 local across spring forward', () => {
    expect(occurrences('0 9 * * 1-5', AMS, '2026-03-26T12:00:00Z', 3)).toEqual([
      '2026-03-27T08:00:00.000Z', // Friday, CET (+01)
      '2026-03-30T07:00:00.000Z', // Monday, CEST (+02)
      '2026-03-31T07:00:00.000Z',
    ]);
  });

  it('keeps a weekday 09:00 Amsterdam reminder at 09:00 local across fall back', () => {
    expect(occurrences('0 9 * * 1-5', AMS, '2026-10-22T12:00:00Z', 3)).toEqual([
      '2026-10-23T07:00:00.000Z', // Friday, CEST
      '2026-10-26T08:00:00.000Z', // Monday, CET
      '2026-10-27T08:00:00.000Z',
    ]);
  });

  it('runs a local time that does not exist (spring forward) as far after the gap: 02:30 → 03:30', () => {
    expect(occurrences('30 2 * * *', AMS, '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist: 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('runs a local time that exists twice (fall back) once, at its first occurrence', () => {
    expect(occurrences('30 2 * * *', AMS, '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // first 02:30 (CEST); the second (CET, 01:30Z) is not run
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('never runs twice at one instant when gap times coincide with real ones', () => {
    const runs = occurrences('*/30 * * * *', AMS, '2026-03-29T00:40:00Z', 4);
    expect(runs).toEqual([
      '2026-03-29T01:00:00.000Z', // 02:00 (gap) → 03:00 CEST
      '2026-03-29T01:30:00.000Z', // 02:30 (gap) → 03:30 CEST; 03:00 itself is the same instant as above
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T02:30:00.000Z',
    ]);
  });

  it('follows a zone with a different switch date (New York, second Sunday of March)', () => {
    expect(occurrences('0 9 * * *', 'America/New_York', '2026-03-07T20:00:00Z', 2)).toEqual([
      '2026-03-08T13:00:00.000Z', // EDT (-04) from 2026-03-08
      '2026-03-09T13:00:00.000Z',
    ]);
    expect(iso(nextOccurrence('0 9 * * *', 'America/New_York', new Date('2026-03-06T20:00:00Z')))).toBe(
      '2026-03-07T14:00:00.000Z', // EST (-05)
    );
  });

  it('is strictly after the given instant', () => {
    expect(iso(nextOccurrence('0 9 * * *', 'UTC', new Date('2026-01-01T09:00:00Z')))).toBe('2026-01-02T09:00:00.000Z');
  });
});

describe('wallTimeToInstant', () => {
  it('maps an ordinary wall time with the zone offset of that day', () => {
    expect(iso(wallTimeToInstant(new Date('2026-07-01T09:00:00Z'), AMS))).toBe('2026-07-01T07:00:00.000Z');
    expect(iso(wallTimeToInstant(new Date('2026-01-01T09:00:00Z'), AMS))).toBe('2026-01-01T08:00:00.000Z');
  });
});

describe('nextRun limits', () => {
  const rule = { cron: '0 9 * * *', timezone: 'UTC' };
  it('stops after `count` runs', () => {
    expect(nextRun({ ...rule, count: 2 }, 2, new Date('2026-01-01T00:00:00Z'))).toBeDefined();
    expect(nextRun({ ...rule, count: 2 }, 3, new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
  it('stops after `until`', () => {
    const until = new Date('2026-01-02T08:59:00Z');
    expect(iso(nextRun({ ...rule, until }, 1, new Date('2026-01-01T00:00:00Z')))).toBe('2026-01-01T09:00:00.000Z');
    expect(nextRun({ ...rule, until }, 2, new Date('2026-01-01T09:00:00Z'))).toBeUndefined();
  });
});

describe('validation', () => {
  const problem = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof RecurrenceError ? err.problem : 'other';
    }
    return 'none';
  };
  it('refuses expressions that are not 5 valid fields', () => {
    expect(problem(() => assertCron('0 9 * *'))).toBe('invalid_cron');
    expect(problem(() => assertCron('0 0 9 * * 1'))).toBe('invalid_cron');
    expect(problem(() => assertCron('61 9 * * *'))).toBe('invalid_cron');
    expect(problem(() => assertCron('0 0 30 2 *'))).toBe('invalid_cron');
    expect(problem(() => assertCron('0 9 * * MON-FRI'))).toBe('none');
  });
  it('refuses an unknown time zone', () => {
    expect(problem(() => nextOccurrence('0 9 * * *', 'Europe/Atlantis', new Date()))).toBe('invalid_timezone');
  });
});
