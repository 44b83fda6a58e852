/**
 * The gateway client's timeouts, in one place (gateway/transport.ts, oauth-token.ts and
 * shared-token-store.ts import them). Added up they allow a create-call far longer than any
 * sensible reconcile grace (two token fetches, two requests and a 401's spacing: ~160 s), which
 * is why a confirmed create-call also gets a send deadline (`sendWindowMs` below).
 */
export const GATEWAY_TIMEOUTS = {
  /** TCP+TLS to the gateway or its token endpoint takes ~100 ms; 5 s means it is unreachable. */
  connectMs: 5_000,
  /** Wait for the answer's headers once the request is sent (undici `headersTimeout`). */
  headersMs: 15_000,
  /** Longest pause between two chunks of an answer's body (undici `bodyTimeout`, an idle timeout). */
  bodyMs: 15_000,
  /** A shared-token Redis command slower than this counts as Redis being down. */
  redisOpMs: 1_000,
  /** How long a process waits for another process's token fetch before fetching its own. */
  tokenHolderWaitMs: 5_000,
  /** Poll interval while waiting for that holder. */
  tokenHolderPollMs: 50,
} as const;

/**
 * RECONCILE_GRACE_MS is honoured exactly rather than assumed: a create-call gets a send deadline
 * (`sendBy`) of the grace minus this margin, counted from the confirmation that stamps
 * `dial_started_at`. Past it the client sends no byte more (a token fetch or a 401 retry that
 * ends too late gives up unsent) and aborts a request still under way (then "maybe placed",
 * never redialed blind). The margin covers the one-way trip of the last byte to the gateway,
 * the confirmation's round trip and the first webhook's delivery: a quarter of the grace, at
 * most 5 s. So the longest time to a create-call's last byte is shorter than the grace, whatever
 * the timeouts above add up to (a hung token endpoint alone could take ~45 s).
 */
export function sendWindowMs(reconcileGraceMs: number): number {
  return reconcileGraceMs - Math.min(5_000, reconcileGraceMs / 4);
}

/** Below this a create-call would get under 750 ms to leave: refused at start-up. */
export const MIN_RECONCILE_GRACE_MS = 1_000;
