import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { handlesLeftAfter, handlesOpenedSince, openHandles } from './support/open-handles.ts';

describe('the leak check every integration file runs', () => {
  it('reports a server and a Redis connection left open, and nothing once they are closed', async () => {
    const before = openHandles();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const redis = new Redis(inject('redisUrl'));
    await redis.ping();

    expect(await handlesLeftAfter(before, 100)).toEqual({ TCPServerWrap: 1, TCPSocketWrap: 1 });

    await redis.quit();
    await new Promise((resolve) => server.close(resolve));
    expect(await handlesLeftAfter(before, 2_000)).toEqual({});
  });

  it('reports an interval left running', () => {
    const before = openHandles();
    const timer = setInterval(() => undefined, 60_000);
    expect(handlesOpenedSince(before)).toEqual({ Timeout: 1 });
    clearInterval(timer);
    expect(handlesOpenedSince(before)).toEqual({});
  });
});
