import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startRedis } from '../src/dev/local-services/binaries.ts';
import { createBottleneckConnection } from '../src/dispatch/bottleneck-store.ts';
import { RateGuard } from '../src/dispatch/rate-guard.ts';
import { testRedisPrefix } from './support/services.ts';
import { maxInWindow } from './support/windows.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Its own Redis server: these tests run FLUSHALL.
describe('limiter layers, each on its own', () => {
  let server: LocalServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('the Redis guard alone holds 3 per second at arrival, even when requests wait up to 300 ms before leaving', async () => {
    const guard = new RateGuard(redis, {
      limit: 3,
      windowMs: 1000,
      keyPrefix: testRedisPrefix(),
      leaseMs: 10_000,
    });
    const arrivals: number[] = [];
    // 15 eager callers, no Bottleneck in front; each request sits 0–300 ms (a token fetch, a
    // new connection) between admission and "arrival", then 0–30 ms until its answer.
    const caller = async () => {
      for (;;) {
        const decision = await guard.tryAcquire();
        if (!decision.admitted) {
          await sleep(Math.min(decision.waitMs, 50));
          continue;
        }
        await sleep(Math.random() * 300);
        arrivals.push(Date.now());
        await sleep(Math.random() * 30);
        await guard.complete(decision.slot);
        return;
      }
    };
    await Promise.all(Array.from({ length: 15 }, caller));
    arrivals.sort((a, b) => a - b);
    expect(arrivals).toHaveLength(15);
    expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(3);
  });

  it('an in-flight slot holds while renewed and frees one lease + one window after its process stops renewing', async () => {
    const guard = new RateGuard(redis, { limit: 1, windowMs: 1000, keyPrefix: testRedisPrefix(), leaseMs: 600 });
    await guard.tryAcquire(); // first use after a state loss waits one window
    await sleep(1050);
    const held = await guard.tryAcquire();
    if (!held.admitted) throw new Error('expected a slot');
    const renewal = setInterval(() => void guard.renew(held.slot), 150);
    await sleep(1800);
    expect((await guard.tryAcquire()).admitted).toBe(false); // long request, still in flight
    clearInterval(renewal);
    const stoppedAt = Date.now(); // as if the worker died here: no renewal, no completion
    await sleep(900);
    expect((await guard.tryAcquire()).admitted).toBe(false);
    const admitted = await (async () => {
      for (;;) {
        const decision = await guard.tryAcquire();
        if (decision.admitted) return Date.now();
        await sleep(20);
      }
    })();
    expect(admitted - stoppedAt).toBeGreaterThanOrEqual(1000);
    expect(admitted - stoppedAt).toBeLessThan(1600 + 300);
  });

  it('an urgent request takes the next free slot ahead of waiting bulk requests; the limit holds for both', async () => {
    const guard = new RateGuard(redis, {
      limit: 3,
      windowMs: 1000,
      keyPrefix: testRedisPrefix(),
      leaseMs: 10_000,
      spacingMs: 333,
    });
    await guard.tryAcquire(); // first use after a state loss waits one window
    await sleep(1050);
    const arrivals: number[] = [];
    const send = async (slot: string) => {
      arrivals.push(Date.now());
      await sleep(10);
      await guard.complete(slot);
    };
    let stop = false;
    // Eight eager bulk callers keep the window full for the whole test.
    const bulk = async () => {
      while (!stop) {
        const decision = await guard.tryAcquire();
        if (decision.admitted) await send(decision.slot);
        else await sleep(Math.min(decision.waitMs, 1000));
      }
    };
    const callers = Array.from({ length: 8 }, bulk);
    await sleep(1600);
    const waiter = 'reminder-1';
    const askedAt = Date.now();
    let urgentAt = 0;
    for (;;) {
      const decision = await guard.tryAcquire(waiter);
      if (decision.admitted) {
        urgentAt = Date.now();
        await send(decision.slot);
        break;
      }
      await sleep(Math.min(decision.waitMs, 1000));
    }
    const waitedMs = Date.now() - askedAt;
    await sleep(600);
    stop = true;
    await Promise.all(callers);
    arrivals.sort((a, b) => a - b);
    // Slots free one at a time (spacing), and the first one to free goes to the urgent request.
    expect(waitedMs).toBeLessThan(333 + 150);
    expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(3);
    const bulkArrivals = arrivals.filter((at) => at !== urgentAt);
    const gaps = bulkArrivals.slice(1).map((at, i) => at - (bulkArrivals[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(300);
  });

  it('a global pause holds every caller until it ends', async () => {
    const guard = new RateGuard(redis, {
      limit: 3,
      windowMs: 1000,
      keyPrefix: testRedisPrefix(),
      leaseMs: 10_000,
    });
    await guard.tryAcquire(); // first use after a state loss waits one window; get that out of the way
    await sleep(1050);
    const inForce = await guard.pauseFor(800);
    expect(inForce).toBeGreaterThan(700);
    expect(await guard.pauseFor(100)).toBeGreaterThan(600); // a shorter pause never cuts a longer one
    const refused = await guard.tryAcquire();
    expect(refused).toMatchObject({ admitted: false, reason: 'paused' });
    await sleep(inForce + 20);
    expect((await guard.tryAcquire()).admitted).toBe(true);
  });

  it('Bottleneck on Redis 7 fails after FLUSHALL without our fix, and recovers with it', async () => {
    const id = testRedisPrefix();
    const options = { id, datastore: 'ioredis' as const, clearDatastore: false, minTime: 10, maxConcurrent: null };
    const [plainClient, fixedClient] = [redis.duplicate(), redis.duplicate()];
    const plain = new Bottleneck({
      ...options,
      id: `${id}-plain`,
      connection: new Bottleneck.IORedisConnection({ client: plainClient }),
    });
    const fixedConnection = createBottleneckConnection(fixedClient);
    const fixed = new Bottleneck({ ...options, id: `${id}-fixed`, connection: fixedConnection });
    plain.on('error', () => {});
    fixed.on('error', () => {});
    try {
      expect(await plain.schedule(async () => 'before')).toBe('before');
      expect(await fixed.schedule(async () => 'before')).toBe('before');
      await redis.flushall();
      await expect(plain.schedule(async () => 'after')).rejects.toThrow(/SETTINGS_KEY_NOT_FOUND/);
      expect(await fixed.schedule(async () => 'after')).toBe('after');
    } finally {
      await plain.disconnect(false);
      await fixedConnection.disconnect(false);
      // Bottleneck leaves the clients it was given (and the subscribers it duplicated) to us.
      for (const client of [plainClient, fixedClient]) client.disconnect();
    }
  });
});
