import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallLimiterError } from '../src/dispatch/call-limiter-error.ts';
import { type CallLimiter, createCallLimiter } from '../src/dispatch/rate-limiter.ts';
import { createLogger } from '../src/shared/logger.ts';
import { testRedisPrefix, testRedisUrl } from './support/services.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a caller is told when a slot expires decides between "retry" and "reconcile first". */
describe('create-call limiter job expiration', () => {
  let redis: Redis;
  let limiter: CallLimiter;
  beforeAll(async () => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    limiter = createCallLimiter({
      redis,
      logger: createLogger({ level: 'silent' }),
      keyPrefix: testRedisPrefix(),
      callsPerSecond: 3,
      expirationMs: 400,
      maxGuardWaitMs: 5000,
    });
    // The first use of a fresh prefix waits one window (state-loss rule); let that pass.
    await limiter.schedule(async () => 'warm-up').catch(() => undefined);
    await sleep(1200);
  });
  afterAll(async () => {
    await limiter.close();
    redis.disconnect();
  });

  it('a job that expires while waiting for the guard never sends its request, and says so', async () => {
    await limiter.pauseFor(1200, 'test');
    let sent = false;
    const outcome = limiter.schedule(
      async () => {
        sent = true;
      },
      { prepare: async () => true },
    );
    await expect(outcome).rejects.toMatchObject({ name: 'CallLimiterError', started: false, prepared: true });
    await sleep(1500);
    expect(sent).toBe(false);
  });

  it('a request that outlives the expiration is reported as started: it may have been placed', async () => {
    const outcome = limiter.schedule(() => sleep(800));
    const err = await outcome.catch((thrown: unknown) => thrown);
    expect(err).toBeInstanceOf(CallLimiterError);
    expect(err).toMatchObject({ reason: 'expired', started: true });
  });
});
