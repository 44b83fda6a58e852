/**
 * The gateway's create-call limit is counted per second (CALLS_PER_SECOND); callcast's limiter
 * judges it over one second plus CALL_RATE_MARGIN_MS. Kept in a leaf because the limiter
 * (dispatch/) and the gateway client's 401 retry (gateway/) must use the same window.
 */
const GATEWAY_RATE_WINDOW_MS = 1000;

/** The limiter's window: one gateway window plus the configured margin, ms. */
export function limiterWindowMs(marginMs: number): number {
  return GATEWAY_RATE_WINDOW_MS + marginMs;
}
