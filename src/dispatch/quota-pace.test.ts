import { describe, expect, it } from 'vitest';
import { quotaAction } from './quota-pace.ts';

const now = new Date('2026-11-22T10:00:00Z');
const inMs = (ms: number) => new Date(now.getTime() + ms);

describe('quotaAction', () => {
  it('leaves the pace alone when the headers are incomplete', () => {
    expect(quotaAction(undefined, 3, now)).toEqual({ kind: 'none' });
    expect(quotaAction({ limit: 10, used: 2 }, 3, now)).toEqual({ kind: 'none' });
    expect(quotaAction({ limit: 10, used: 2, resetAt: inMs(-1000) }, 3, now)).toEqual({ kind: 'none' });
  });

  it('pauses until the reset when the quota is used up', () => {
    expect(quotaAction({ limit: 10, used: 10, resetAt: inMs(60_000) }, 3, now)).toEqual({ kind: 'pause', ms: 60_000 });
  });

  it('runs at full speed while the remaining quota outlasts the time to reset', () => {
    expect(quotaAction({ limit: 1000, used: 10, resetAt: inMs(60_000) }, 3, now)).toEqual({ kind: 'full_speed' });
  });

  it('runs at full speed while more than an hour of calls remain, however long the window', () => {
    const month = 30 * 24 * 3_600_000;
    expect(quotaAction({ limit: 1_000_000, used: 0, resetAt: inMs(month) }, 3, now)).toEqual({ kind: 'full_speed' });
    expect(quotaAction({ limit: 100_000, used: 80_000, resetAt: inMs(month) }, 3, now)).toEqual({ kind: 'full_speed' });
  });

  it('stretches the last hour of calls over a long window until its reset', () => {
    const day = 24 * 3_600_000;
    expect(quotaAction({ limit: 100_000, used: 91_360, resetAt: inMs(day) }, 3, now)).toEqual({
      kind: 'pace',
      gapMs: 10_000,
      ttlMs: day,
    });
  });

  it('spaces calls evenly when the quota would run out before it resets', () => {
    expect(quotaAction({ limit: 100, used: 90, resetAt: inMs(60_000) }, 3, now)).toEqual({
      kind: 'pace',
      gapMs: 6000,
      ttlMs: 60_000,
    });
  });
});
