import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bottleneckSettings } from '../src/dispatch/rate-limiter.ts';
import { testRedisPrefix, testRedisUrl } from './support/services.ts';

/**
 * The clustered Bottleneck layer alone, with the settings the worker uses at 3 calls/s: every
 * job after the first must still get a slot (Bottleneck's register.lua PEXPIREs its keys by
 * nextRequest + timeout − now, so that sum has to stay a whole number of ms).
 */
describe('the create-call limiter’s Bottleneck settings against real Redis', () => {
  let redis: Redis;
  let limiter: Bottleneck;
  let connection: Bottleneck.IORedisConnection;
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    connection = new Bottleneck.IORedisConnection({ client: redis });
    limiter = new Bottleneck({ ...bottleneckSettings(testRedisPrefix(), 3, 10), connection });
  });
  afterAll(async () => {
    await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    await limiter.disconnect(false);
    await connection.disconnect(false);
    redis.disconnect();
  });

  it('gives every one of four calls in a row a slot at 3 calls/s (no Redis script error after the first)', async () => {
    const started: number[] = [];
    const errors: string[] = [];
    limiter.on('error', (error: Error) => errors.push(error.message));
    for (let i = 0; i < 4; i++) limiter.schedule(async () => started.push(Date.now())).catch(() => undefined);
    // 4 jobs at ~337 ms spacing start within about 1 s; 3 s is ample on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(errors).toEqual([]);
    expect(started).toHaveLength(4);
  });
});
