import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateGuard } from '../src/dispatch/rate-guard.ts';
import { testRedisPrefix, testRedisUrl } from './support/services.ts';

describe('rate guard after a restored old Redis snapshot', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  });
  afterAll(() => redis.disconnect());

  it('waits one window when the admission seq went back, although the alive marker is there', async () => {
    const keyPrefix = `${testRedisPrefix()}:epoch`;
    const guard = new RateGuard(redis, { limit: 3, windowMs: 1000, keyPrefix, leaseMs: 8000 });
    // The first try finds no marker (state unknown) and waits one window: let it pass.
    expect(await guard.tryAcquire()).toMatchObject({ admitted: false, reason: 'paused' });
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const admitted: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const decision = await guard.tryAcquire();
      if (decision.admitted) admitted.push(decision.slot);
    }
    expect(admitted).toHaveLength(3);
    for (const slot of admitted) await guard.complete(slot);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    // An old snapshot comes back: the marker and an empty log survive, the seq is from before.
    await redis.set(`${keyPrefix}:seq`, '1');
    await redis.del(`${keyPrefix}:log`);
    const after = await guard.tryAcquire();
    expect(after).toMatchObject({ admitted: false, reason: 'paused' });
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect((await guard.tryAcquire()).admitted).toBe(true);
  });

  it('a process that never saw a higher seq is not held back by the check', async () => {
    const keyPrefix = `${testRedisPrefix()}:epoch2`;
    const first = new RateGuard(redis, { limit: 3, windowMs: 1000, keyPrefix, leaseMs: 8000 });
    await first.tryAcquire();
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect((await first.tryAcquire()).admitted).toBe(true);
    const fresh = new RateGuard(redis, { limit: 3, windowMs: 1000, keyPrefix, leaseMs: 8000 });
    expect((await fresh.tryAcquire()).admitted).toBe(true);
  });
});
