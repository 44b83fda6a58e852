import { describe, expect, it } from 'vitest';
import { MIN_RECONCILE_GRACE_MS, sendWindowMs } from './gateway-timing.ts';

describe('sendWindowMs: how long a confirmed create-call may take to leave', () => {
  it('keeps a quarter of a short grace for the last byte, the confirmation and the first webhook', () => {
    expect(sendWindowMs(MIN_RECONCILE_GRACE_MS)).toBe(750);
    expect(sendWindowMs(4_000)).toBe(3_000);
  });

  it('keeps at most 5 s of a long grace', () => {
    expect(sendWindowMs(60_000)).toBe(55_000);
  });

  it('is always shorter than the grace, so no byte leaves once a redial may start', () => {
    for (const grace of [1_000, 1_500, 20_000, 3_600_000]) expect(sendWindowMs(grace)).toBeLessThan(grace);
  });
});
