import { describe, expect, it } from 'vitest';
import { extraOccurrences, maxInWindow, minGap, percentile, summarize } from '../bench/lib/analysis.ts';
import { analyzeDials } from '../bench/lib/dial-log.ts';
import type { LoggedRequest } from '../src/dev/simulator/request-log.ts';

// The benchmark numbers stand on these few functions; they are pinned here, the benchmarks
// themselves never run under `npm test`.
describe('benchmark analysis', () => {
  it('counts a window as half-open, as the simulator rolls its own', () => {
    expect(maxInWindow([0, 333, 666, 999]).max).toBe(4);
    expect(maxInWindow([0, 333, 666, 1000]).max).toBe(3);
    expect(maxInWindow([]).max).toBe(0);
    expect(maxInWindow([5000, 0, 4999, 4998]).max).toBe(3);
  });

  it('finds the smallest gap whatever the order of the samples', () => {
    expect(minGap([700, 0, 350, 690])).toBe(10);
    expect(minGap([1])).toBeUndefined();
  });

  it('counts only the extra occurrences of repeated values', () => {
    expect(extraOccurrences(['a', 'b', 'a', 'a', 'c', 'b'])).toEqual({ extra: 3, examples: ['a', 'b'] });
  });

  it('uses nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(summarize([2, 1, 3]).p50).toBe(2);
  });

  it('judges create-call requests in the window and duplicates over the whole log', () => {
    const call = (at: number, status: number, to: string): LoggedRequest => ({
      at,
      method: 'POST',
      path: '/voice/calls',
      status,
      to,
    });
    const log = [
      { at: 0, method: 'POST', path: '/oauth/client_credential/accesstoken', status: 200 },
      call(1000, 201, '1'),
      call(1100, 201, '2'),
      call(1200, 429, '3'),
      call(1300, 201, '3'),
      call(2500, 201, '4'),
      call(9000, 201, '1'),
    ];
    const stats = analyzeDials(log, 1000, 2);
    expect(stats).toMatchObject({ requests: 5, created: 4, status429: 1, maxInAnySecond: 4, duplicateDials: 1 });
    expect(stats.achievedPerSecond).toBe(2);
    expect(stats.peakWindow?.requests).toEqual([
      [0, 201],
      [100, 201],
      [200, 429],
      [300, 201],
    ]);
  });
});
