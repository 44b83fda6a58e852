import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startRedis } from '../src/dev/local-services/binaries.ts';
import { testRedisPrefix } from './support/services.ts';
import { maxInWindow } from './support/windows.ts';

const CHILD = new URL('./support/limiter-child.ts', import.meta.url).pathname;

/** A stand-in gateway that only logs when each request arrived. */
async function startTarget(): Promise<{ url: string; arrivals: number[]; server: Server }> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(Date.now());
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls`, arrivals, server };
}

function runChild(env: Record<string, string>): Promise<{ done: number; refused: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (errText += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop() as string));
      else reject(new Error(`limiter child exited ${code}: ${errText.slice(-2000)}`));
    });
  });
}

// Its own Redis server: the test runs FLUSHALL, which must not touch other test files' data.
describe('create-call limiter shared by several OS processes', () => {
  let redisServer: LocalServer;
  let target: Awaited<ReturnType<typeof startTarget>>;
  beforeAll(async () => {
    redisServer = await startRedis();
  });
  afterAll(async () => {
    await redisServer?.stop();
  });

  it('three processes never exceed 3 requests in any one-second window and stay close to 3/s', async () => {
    target = await startTarget();
    try {
      const env = { REDIS_URL: redisServer.url, PREFIX: testRedisPrefix(), CPS: '3', JOBS: '10', TARGET: target.url };
      const results = await Promise.all([runChild(env), runChild(env), runChild(env)]);
      expect(results.reduce((sum, r) => sum + r.done, 0)).toBe(30);
      const arrivals = target.arrivals.sort((a, b) => a - b);
      expect(arrivals).toHaveLength(30);
      expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(3);
      const rate = (arrivals.length - 1) / (((arrivals.at(-1) as number) - (arrivals[0] as number)) / 1000);
      console.log(`limiter contract: 30 requests, max ${maxInWindow(arrivals, 1000)}/s window, ${rate.toFixed(3)}/s`);
      expect(rate).toBeGreaterThanOrEqual(2.7);
    } finally {
      target.server.close();
    }
  });

  it('recovers after FLUSHALL mid-run: every job still runs and no window exceeds the limit', async () => {
    target = await startTarget();
    const admin = new Redis(redisServer.url);
    try {
      const env = { REDIS_URL: redisServer.url, PREFIX: testRedisPrefix(), CPS: '5', JOBS: '10', TARGET: target.url };
      const running = Promise.all([runChild(env), runChild(env), runChild(env)]);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await admin.flushall();
      const flushedAt = Date.now();
      const results = await running;
      expect(results.reduce((sum, r) => sum + r.done, 0)).toBe(30);
      const arrivals = target.arrivals.sort((a, b) => a - b);
      expect(arrivals).toHaveLength(30);
      expect(arrivals.filter((at) => at > flushedAt).length).toBeGreaterThan(0);
      expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(5);
    } finally {
      admin.disconnect();
      target.server.close();
    }
  });
});
