import { describe, expect, it } from 'vitest';
import { describeBound, GATEWAY_TIMEOUTS, longestCreateCallMs } from './gateway-timing.ts';

describe('longestCreateCallMs', () => {
  it('adds two token fetches, two requests and the 401 spacing from the client timeouts', () => {
    const bound = longestCreateCallMs(10);
    const t = GATEWAY_TIMEOUTS;
    const request = t.connectMs + t.headersMs + t.bodyMs;
    const token = 2 * t.redisOpMs + t.tokenHolderWaitMs + t.tokenHolderPollMs + 2 * t.redisOpMs + request;
    expect(bound.totalMs).toBe(2 * token + 2 * request + 1010);
    expect(describeBound(bound)).toContain(`= ${bound.totalMs} ms`);
  });

  it('grows with CALL_RATE_MARGIN_MS, which spaces the 401 retry', () => {
    expect(longestCreateCallMs(500).totalMs - longestCreateCallMs(0).totalMs).toBe(500);
  });
});
