import { describe, expect, it } from 'vitest';
import { intervalHeaders, QuotaCounter, RollingWindow, SpikeArrest } from './limits.ts';
import { parseOutcomes } from './simulator-env.ts';

describe('RollingWindow', () => {
  it('allows N per rolling second, not per calendar second', () => {
    const window = new RollingWindow();
    expect([0, 100, 900, 950].map((t) => window.tryAcquire(3, t))).toEqual([true, true, true, false]);
    expect(window.tryAcquire(3, 1000)).toBe(true);
    expect(window.tryAcquire(3, 1050)).toBe(false);
    expect(window.tryAcquire(3, 1101)).toBe(true);
  });
});

describe('SpikeArrest', () => {
  it('admits one request per 1000/N ms and refuses a second inside that, even two in one second', () => {
    const spike = new SpikeArrest();
    expect([0, 200, 333, 334, 700].map((t) => spike.tryAcquire(3, t))).toEqual([true, false, false, true, true]);
  });
});

describe('QuotaCounter', () => {
  it('refuses past the limit until the window resets', () => {
    const quota = new QuotaCounter(0);
    expect([1, 2, 3].map((t) => quota.tryConsume(2, 1000, t))).toEqual([true, true, false]);
    expect(quota.state(2, 1000, 500)).toEqual({ limit: 2, used: 2, windowMs: 1000, resetAt: 1000 });
    expect(quota.tryConsume(2, 1000, 1000)).toBe(true);
  });

  it('writes the window like Apigee', () => {
    expect(intervalHeaders(30 * 86_400_000)).toEqual({ interval: '30', timeUnit: 'day' });
    expect(intervalHeaders(3_600_000)).toEqual({ interval: '1', timeUnit: 'hour' });
    expect(intervalHeaders(1500)).toEqual({ interval: '2', timeUnit: 'second' });
  });
});

describe('parseOutcomes', () => {
  it('reads weights and refuses unknown outcomes', () => {
    expect(parseOutcomes('answered=70, busy=30')).toEqual({ answered: 70, busy: 30 });
    expect(() => parseOutcomes('answered=70,hangup=1')).toThrow(/SIMULATOR_OUTCOMES/);
  });
});
