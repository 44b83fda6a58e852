import { GatewayError } from '../gateway/types.ts';
import { CallLimiterError } from './call-limiter-error.ts';

/**
 * The one classifier from a failed dial to what the worker does. `release` gives the claim back
 * (the attempt returns to `queued` and does not count); `keep` leaves it in `dialing`, because a
 * call may exist and the next run must reconcile before it redials.
 *   pause_all – stop every worker everywhere for `ms` (429, quota, bad credentials), retry the
 *               job without counting it (BullMQ rate limit);
 *   retry     – throw, so BullMQ's attempts/backoff try again;
 *   requeue   – no slot was given (this worker is closing, or the guard stayed full or paced
 *               longer than a slot may wait): back to the queue after `delayMs`, not a try;
 *   end       – the gateway refused the call for good: end the attempt as `error`.
 */
export type FailureAction =
  | { kind: 'pause_all'; ms: number; reason: string; claim: 'release'; quotaPause: boolean }
  | { kind: 'retry'; claim: 'release' | 'keep'; reason: string }
  | { kind: 'requeue'; claim: 'release'; delayMs: number }
  | { kind: 'end'; detail: string; gatewayError: unknown };

/**
 * A failure of our own before the request was handed to the gateway client (Postgres refused
 * the check as the request leaves): nothing was sent, whatever the limiter's state says.
 */
export class NotSentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotSentError';
  }
}

// Without Retry-After, a 429 pauses for one second: Vonage's limit is per second (docs/gateway-facts.md §2).
const DEFAULT_RATE_LIMIT_PAUSE_MS = 1000;
// Bad credentials are a configuration problem; probing once a minute is enough.
const AUTH_PAUSE_MS = 60_000;

export function classifyFailure(thrown: unknown): FailureAction {
  if (thrown instanceof NotSentError) return { kind: 'retry', claim: 'release', reason: thrown.message };
  if (thrown instanceof CallLimiterError) {
    if (thrown.started)
      return { kind: 'retry', claim: 'keep', reason: `limiter: ${thrown.reason} after the request left` };
    if (thrown.reason === 'closed') return { kind: 'requeue', claim: 'release', delayMs: 0 };
    if (thrown.reason === 'not_admitted')
      return { kind: 'requeue', claim: 'release', delayMs: thrown.retryInMs ?? 1000 };
    if (thrown.reason === 'paused') {
      return {
        kind: 'pause_all',
        ms: thrown.retryInMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS,
        reason: 'global pause in force',
        claim: 'release',
        quotaPause: false,
      };
    }
    return { kind: 'retry', claim: 'release', reason: `limiter: ${thrown.reason}` };
  }
  if (!(thrown instanceof GatewayError))
    return { kind: 'retry', claim: 'keep', reason: 'unexpected error during the request' };
  switch (thrown.kind) {
    case 'rate_limited':
      return {
        kind: 'pause_all',
        ms: thrown.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS,
        reason: 'gateway answered 429',
        claim: 'release',
        quotaPause: false,
      };
    case 'quota_exhausted':
      return {
        kind: 'pause_all',
        ms: thrown.retryAfterMs ?? AUTH_PAUSE_MS,
        reason: 'gateway quota used up',
        claim: 'release',
        quotaPause: true,
      };
    case 'auth':
      return {
        kind: 'pause_all',
        ms: AUTH_PAUSE_MS,
        reason: 'gateway rejected our credentials',
        claim: 'release',
        quotaPause: false,
      };
    case 'transient':
      return { kind: 'retry', claim: thrown.maybeDelivered ? 'keep' : 'release', reason: thrown.message };
    case 'permanent':
      return {
        kind: 'end',
        detail: [thrown.problem.title, thrown.problem.detail].filter(Boolean).join(': ') || thrown.message,
        gatewayError: { httpStatus: thrown.httpStatus, problem: thrown.problem, traceId: thrown.traceId },
      };
  }
}

// After the last try of a job that never reached the gateway, the recipient waits this long in
// Postgres (a reminder's job in Redis): outages that outlast ~4 min of backoff take minutes more.
export const RETRY_AFTER_OUTAGE_MS = 5 * 60_000;

/**
 * What the worker does after a failed dial, given where the job stands (`releaseClaim`: give the
 * claim back first, when the job holds one):
 *   end       – end the attempt as `error` (the gateway refused the call for good);
 *   requeue   – back to the queue after `delayMs`, not a try;
 *   pause_all – pause every worker for `ms`, then rate-limit this one (logged at `level`);
 *   later     – every try failed before the request could leave: no call exists, so the number
 *               is tried again after `delayMs` instead of being given up;
 *   give_up   – the last try may have placed the call: end it as `maybe_placed`, never redial;
 *   retry     – throw, so BullMQ's attempts/backoff try again.
 */
export type FailurePlan =
  | { kind: 'end'; releaseClaim: false; detail: string; gatewayError: unknown }
  | { kind: 'requeue'; releaseClaim: true; delayMs: number }
  | { kind: 'pause_all'; releaseClaim: true; ms: number; reason: string; level: 'error' | 'warn' }
  | { kind: 'later'; releaseClaim: true; delayMs: number; reason: string }
  | { kind: 'give_up'; releaseClaim: false; outcome: 'maybe_placed'; detail: string }
  | { kind: 'retry'; releaseClaim: boolean; reason: string };

/** `tryNo`: this run of the job, from 1; `maxTries`: the job's BullMQ `attempts`. */
export function planAfterFailure(action: FailureAction, tries: { tryNo: number; maxTries: number }): FailurePlan {
  switch (action.kind) {
    case 'end':
      return { kind: 'end', releaseClaim: false, detail: action.detail, gatewayError: action.gatewayError };
    case 'requeue':
      return { kind: 'requeue', releaseClaim: true, delayMs: action.delayMs };
    case 'pause_all': {
      const level = action.reason.includes('credentials') ? 'error' : 'warn';
      return { kind: 'pause_all', releaseClaim: true, ms: action.ms, reason: action.reason, level };
    }
    case 'retry':
      break;
  }
  const release = action.claim === 'release';
  if (tries.tryNo < tries.maxTries) return { kind: 'retry', releaseClaim: release, reason: action.reason };
  if (release) return { kind: 'later', releaseClaim: true, delayMs: RETRY_AFTER_OUTAGE_MS, reason: action.reason };
  return {
    kind: 'give_up',
    releaseClaim: false,
    outcome: 'maybe_placed',
    detail: `${action.reason}; the call may have been placed, so it is not redialed`,
  };
}
