import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { callBackoffMs, createCallQueue } from './queue.ts';

describe('callBackoffMs', () => {
  it('doubles from 2 s with jitter between half and all of the step', () => {
    expect(callBackoffMs(1, () => 0)).toBe(1000);
    expect(callBackoffMs(1, () => 0.999_999)).toBe(2000);
    expect(callBackoffMs(3, () => 0)).toBe(4000);
  });

  it('is capped at 5 minutes however many tries failed', () => {
    expect(callBackoffMs(30, () => 0.999_999)).toBe(300_000);
    expect(callBackoffMs(1000, () => 0)).toBe(150_000);
  });
});

describe('createCallQueue', () => {
  it('keeps a refused connection off the console: the connection owner logs its errors', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    // Port 9 (discard) refuses on loopback: every connect attempt fails with ECONNREFUSED.
    const connection = new Redis('redis://127.0.0.1:9', { maxRetriesPerRequest: null, retryStrategy: () => 20 });
    const seen: string[] = [];
    connection.on('error', (err: NodeJS.ErrnoException) => seen.push(err.code ?? err.message));
    const queue = createCallQueue(connection, 'unit');
    try {
      const deadline = Date.now() + 3000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen.slice(0, 3)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
      await queue.close().catch(() => {});
      connection.disconnect();
    }
  });
});
