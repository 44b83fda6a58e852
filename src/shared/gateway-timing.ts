import { limiterWindowMs } from './rate-window.ts';

/**
 * The gateway client's timeouts, in one place so that the reconcile-grace arithmetic below is
 * computed from the numbers the client really uses (gateway/transport.ts, oauth-token.ts,
 * shared-token-store.ts import them). A leaf, because config/ checks the arithmetic too.
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

export interface CreateCallBound {
  /** Longest time from the check as the request leaves to the last byte of its last answer, ms. */
  totalMs: number;
  /** The terms that add up to it, for the start-up message and the docs. */
  terms: Array<{ name: string; ms: number }>;
}

/**
 * The longest a create-call can take, from the moment the worker confirms it (`dial_started_at`)
 * to the last byte of the gateway's last answer, with the client's real timeouts: a token fetch
 * (waiting for another process's fetch, Redis commands, then our own request), the request, a
 * 401, the retry's spacing, a second token fetch and the retried request. The body timeouts are
 * idle timeouts, so a gateway trickling bytes could exceed them; a trickling answer means the
 * request arrived, and its webhooks then vouch for the call.
 */
export function longestCreateCallMs(callRateMarginMs: number): CreateCallBound {
  const t = GATEWAY_TIMEOUTS;
  const request = t.connectMs + t.headersMs + t.bodyMs;
  // Shared store: read, lock (or wait for the holder, one poll and one read past its deadline), re-read, store, unlock.
  const sharedToken =
    Math.max(3 * t.redisOpMs, 2 * t.redisOpMs + t.tokenHolderWaitMs + t.tokenHolderPollMs) + 2 * t.redisOpMs;
  const tokenFetch = sharedToken + request;
  const terms = [
    { name: 'token fetch (shared-store waits + connect + headers + body)', ms: tokenFetch },
    { name: 'create-call request (connect + headers + body)', ms: request },
    { name: '401 retry spacing (1 s + CALL_RATE_MARGIN_MS)', ms: limiterWindowMs(callRateMarginMs) },
    { name: 'renewed token fetch', ms: tokenFetch },
    { name: 'retried create-call request', ms: request },
  ];
  return { totalMs: terms.reduce((sum, term) => sum + term.ms, 0), terms };
}

/** The arithmetic as one line, e.g. for a refusal or a warning. */
export function describeBound(bound: CreateCallBound): string {
  return `${bound.terms.map((term) => `${term.ms} ms ${term.name}`).join(' + ')} = ${bound.totalMs} ms`;
}
