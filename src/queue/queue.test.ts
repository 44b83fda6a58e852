import { describe, expect, it } from 'vitest';
import { callBackoffMs } from './queue.ts';

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
