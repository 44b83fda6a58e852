import { describe, expect, it } from 'vitest';
import { GatewayError } from '../gateway/types.ts';
import { CallLimiterError } from './call-limiter-error.ts';
import { classifyFailure, NotSentError, planAfterFailure, RETRY_AFTER_OUTAGE_MS } from './failure-policy.ts';

describe('classifyFailure', () => {
  it('a 429 pauses every worker for Retry-After and gives the claim back', () => {
    const action = classifyFailure(new GatewayError('rate_limited', '429', { retryAfterMs: 2500, httpStatus: 429 }));
    expect(action).toMatchObject({ kind: 'pause_all', ms: 2500, claim: 'release' });
  });

  it('a 429 without Retry-After pauses for one second', () => {
    expect(classifyFailure(new GatewayError('rate_limited', '429'))).toMatchObject({ kind: 'pause_all', ms: 1000 });
  });

  it('a timeout after sending keeps the attempt in dialing so the next run reconciles', () => {
    const action = classifyFailure(new GatewayError('transient', 'timeout', { maybeDelivered: true }));
    expect(action).toEqual({ kind: 'retry', claim: 'keep', reason: 'timeout' });
  });

  it('a refused connection releases the claim and retries', () => {
    expect(classifyFailure(new GatewayError('transient', 'ECONNREFUSED'))).toMatchObject({
      kind: 'retry',
      claim: 'release',
    });
  });

  it('a permanent error ends the attempt with the gateway reason', () => {
    const action = classifyFailure(
      new GatewayError('permanent', '400', {
        httpStatus: 400,
        problem: { title: 'Bad Request', detail: 'to is invalid' },
      }),
    );
    expect(action).toMatchObject({ kind: 'end', detail: 'Bad Request: to is invalid' });
  });

  it('bad credentials pause everyone for a minute', () => {
    expect(classifyFailure(new GatewayError('auth', '401'))).toMatchObject({ kind: 'pause_all', ms: 60_000 });
  });

  it('a limiter expiry after the request left is treated as maybe delivered', () => {
    const err = new CallLimiterError('expired', 'timed out', { started: true, prepared: true });
    expect(classifyFailure(err)).toMatchObject({ kind: 'retry', claim: 'keep' });
  });

  it('a global pause met in the limiter releases the claim and rate-limits the worker', () => {
    const err = new CallLimiterError('paused', 'paused', { started: false, prepared: true, retryInMs: 4000 });
    expect(classifyFailure(err)).toMatchObject({ kind: 'pause_all', ms: 4000, claim: 'release' });
  });

  it('a guard that stays full past the slot budget requeues the job without counting a try', () => {
    const err = new CallLimiterError('not_admitted', 'guard: pace', {
      started: false,
      prepared: true,
      retryInMs: 9000,
    });
    expect(classifyFailure(err)).toEqual({ kind: 'requeue', claim: 'release', delayMs: 9000 });
  });

  it('an unknown error during the request keeps the claim: the call may exist', () => {
    expect(classifyFailure(new TypeError('boom'))).toMatchObject({ kind: 'retry', claim: 'keep' });
  });
});

describe('planAfterFailure', () => {
  const lastOf3 = { tryNo: 3, maxTries: 3 };
  const firstOf3 = { tryNo: 1, maxTries: 3 };

  it('a transient failure before sending retries with the claim given back', () => {
    const plan = planAfterFailure(classifyFailure(new GatewayError('transient', 'ECONNREFUSED')), firstOf3);
    expect(plan).toEqual({ kind: 'retry', releaseClaim: true, reason: 'ECONNREFUSED' });
  });

  it('on the last try, a failure before sending hands the number back for later instead of giving up', () => {
    const plan = planAfterFailure(classifyFailure(new GatewayError('transient', 'ECONNREFUSED')), lastOf3);
    expect(plan).toMatchObject({ kind: 'later', releaseClaim: true, delayMs: RETRY_AFTER_OUTAGE_MS });
  });

  it('on the last try, a timeout after sending ends the attempt as maybe_placed and keeps the claim', () => {
    const timeout = new GatewayError('transient', 'timeout', { maybeDelivered: true });
    const plan = planAfterFailure(classifyFailure(timeout), lastOf3);
    expect(plan).toMatchObject({ kind: 'give_up', releaseClaim: false, outcome: 'maybe_placed' });
  });

  it('a 429 pauses every worker and gives the claim back, whatever the try', () => {
    const plan = planAfterFailure(classifyFailure(new GatewayError('rate_limited', '429')), lastOf3);
    expect(plan).toMatchObject({ kind: 'pause_all', releaseClaim: true, ms: 1000, level: 'warn' });
  });

  it('refused credentials pause every worker and are logged as errors', () => {
    const plan = planAfterFailure(classifyFailure(new GatewayError('auth', '401')), firstOf3);
    expect(plan).toMatchObject({ kind: 'pause_all', level: 'error' });
  });

  it('a permanent refusal ends the attempt without touching the claim', () => {
    const plan = planAfterFailure(
      classifyFailure(new GatewayError('permanent', '400', { httpStatus: 400, problem: { title: 'Bad' } })),
      firstOf3,
    );
    expect(plan).toMatchObject({ kind: 'end', releaseClaim: false, detail: 'Bad' });
  });
});

describe('failures of our own before sending', () => {
  it('a NotSentError (Postgres refused the check as the request leaves) retries with the claim given back', () => {
    expect(classifyFailure(new NotSentError('check before sending failed'))).toEqual({
      kind: 'retry',
      claim: 'release',
      reason: 'check before sending failed',
    });
  });
});
