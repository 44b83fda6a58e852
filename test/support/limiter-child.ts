/**
 * One OS process sharing the create-call limiter, for the limiter contract test. Env:
 * REDIS_URL, PREFIX, CPS, JOBS, TARGET (URL the "call" hits). Each job goes through the limiter
 * and, in its slot, POSTs to TARGET (the test's stand-in for the gateway, which logs arrivals).
 * A job the limiter gave no slot is tried again, as a worker would. Prints one JSON line.
 */
import { Redis } from 'ioredis';
import { CallLimiterError } from '../../src/dispatch/call-limiter-error.ts';
import { createCallLimiter } from '../../src/dispatch/rate-limiter.ts';
import { createLogger } from '../../src/shared/logger.ts';

const env = process.env;
const redis = new Redis(env.REDIS_URL as string, { maxRetriesPerRequest: null });
redis.on('error', () => {});
const logger = createLogger({ level: 'warn' });
const limiter = createCallLimiter({
  redis,
  logger,
  keyPrefix: env.PREFIX as string,
  callsPerSecond: Number(env.CPS),
  maxGuardWaitMs: 3000,
});
const jobs = Number(env.JOBS);
let refused = 0;

async function one(index: number): Promise<void> {
  for (;;) {
    try {
      await limiter.schedule(async () => {
        await fetch(env.TARGET as string, { method: 'POST', body: `${process.pid}:${index}` });
      });
      return;
    } catch (err) {
      if (!(err instanceof CallLimiterError) || err.started) throw err;
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

await Promise.all(Array.from({ length: jobs }, (_, index) => one(index)));
await limiter.close();
redis.disconnect();
console.log(JSON.stringify({ pid: process.pid, done: jobs, refused }));
