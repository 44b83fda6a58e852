import { describe, expect, it } from 'vitest';
import { DialRate } from './dial-rate.ts';

describe('DialRate', () => {
  it('is 0 until a second sample exists', () => {
    expect(new DialRate().add({ atMs: 1000, dialed: 5 })).toBe(0);
  });

  it('averages over the window, so uneven one-second deltas read as the steady pace', () => {
    const rate = new DialRate(5_000);
    const deltas = [2, 4, 3, 2, 4, 3, 2, 4, 3, 3];
    let dialed = 0;
    let last = rate.add({ atMs: 0, dialed });
    deltas.forEach((delta, i) => {
      dialed += delta;
      last = rate.add({ atMs: (i + 1) * 1000, dialed });
    });
    expect(last).toBeGreaterThan(2.6);
    expect(last).toBeLessThan(3.4);
  });

  it('forgets samples older than the window, so a stop shows as 0 soon after', () => {
    const rate = new DialRate(3_000);
    for (let s = 0; s <= 5; s++) rate.add({ atMs: s * 1000, dialed: s * 3 });
    let last = -1;
    for (let s = 6; s <= 10; s++) last = rate.add({ atMs: s * 1000, dialed: 15 });
    expect(last).toBe(0);
  });
});
