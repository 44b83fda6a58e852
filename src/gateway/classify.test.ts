import { describe, expect, it } from 'vitest';
import { classifyNetworkError, classifyResponse, DEFAULT_RATE_LIMIT_WAIT_MS } from './classify.ts';

const NOW = Date.parse('2026-11-22T03:00:00.000Z');
const kpnHeaders = (used: number, limit = 1000) => ({
  'quota-limit': String(limit),
  'quota-used': String(used),
  'quota-interval': '1',
  'quota-time-unit': 'month',
  'quota-reset-utc': String(NOW + 3_600_000),
  'api-version': 'v1',
  'x-nexmo-trace-id': 'trace-123',
});

describe('classifyResponse', () => {
  it('a 429 with quota left is rate_limited for ~1 s when nothing names a wait', () => {
    const error = classifyResponse({ status: 429, headers: kpnHeaders(10), body: undefined }, 'create call', NOW);
    expect(error).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: DEFAULT_RATE_LIMIT_WAIT_MS,
      traceId: 'trace-123',
    });
    expect(error.quota).toMatchObject({ limit: 1000, used: 10, interval: 1, timeUnit: 'month' });
  });

  it('a 429 honours Retry-After seconds, an HTTP date, or the throttled body retry_after', () => {
    const seconds = classifyResponse({ status: 429, headers: { 'retry-after': '3' }, body: {} }, 'op', NOW);
    expect(seconds.retryAfterMs).toBe(3000);
    const date = new Date(NOW + 5000).toUTCString();
    expect(classifyResponse({ status: 429, headers: { 'retry-after': date }, body: {} }, 'op', NOW).retryAfterMs).toBe(
      5000,
    );
    const throttled = {
      type: 'https://developer.vonage.com/api-errors#throttled',
      title: 'Too many requests',
      detail: 'Please wait, then retry your request',
      retry_after: 2,
    };
    const fromBody = classifyResponse({ status: 429, headers: {}, body: throttled }, 'op', NOW);
    expect(fromBody).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 2000,
      problem: { title: 'Too many requests' },
    });
  });

  it('a 429 with the quota used up is quota_exhausted until the reset', () => {
    const error = classifyResponse({ status: 429, headers: kpnHeaders(1000), body: {} }, 'create call', NOW);
    expect(error).toMatchObject({ kind: 'quota_exhausted', retryAfterMs: 3_600_000 });
  });

  it("Apigee's quota violation fault is quota_exhausted even without headers", () => {
    const body = {
      fault: {
        faultstring: 'Rate limit quota violation. Quota limit  exceeded. Identifier : _default',
        detail: { errorcode: 'policies.ratelimit.QuotaViolation' },
      },
    };
    const error = classifyResponse({ status: 429, headers: {}, body }, 'create call', NOW);
    expect(error.kind).toBe('quota_exhausted');
    expect(error.retryAfterMs).toBe(60_000);
    expect(error.problem.detail).toBe('policies.ratelimit.QuotaViolation');
  });

  it('5xx is transient; 503 was refused before any work, others may have placed the call', () => {
    expect(classifyResponse({ status: 500, headers: {}, body: '' }, 'op')).toMatchObject({
      kind: 'transient',
      maybeDelivered: true,
    });
    expect(classifyResponse({ status: 503, headers: {}, body: '' }, 'op')).toMatchObject({
      kind: 'transient',
      maybeDelivered: false,
    });
    expect(classifyResponse({ status: 504, headers: {}, body: '' }, 'op').maybeDelivered).toBe(true);
  });

  it('the observed Vonage 400 (numeric type, invalid_parameters) is permanent with its parameters', () => {
    const body = {
      type: 400,
      title: 'Bad Request',
      invalid_parameters: [{ name: 'event_method', reason: 'Must be one of: GET, POST' }],
    };
    const error = classifyResponse({ status: 400, headers: {}, body }, 'create call');
    expect(error.kind).toBe('permanent');
    expect(error.problem).toEqual({
      title: 'Bad Request',
      invalidParameters: [{ name: 'event_method', reason: 'Must be one of: GET, POST' }],
    });
    expect(error.message).toContain('event_method: Must be one of: GET, POST');
  });

  it('RFC 7807 and legacy error_title bodies on 403/404/422 are permanent with title and detail', () => {
    const rfc = {
      type: 'https://developer.nexmo.com/api-errors#forbidden',
      title: 'Forbidden',
      detail: 'Not provisioned',
    };
    expect(classifyResponse({ status: 403, headers: {}, body: rfc }, 'op').problem).toEqual({
      title: 'Forbidden',
      detail: 'Not provisioned',
    });
    const legacy = { error_title: 'Not Found', detail: 'Call not found' };
    expect(classifyResponse({ status: 404, headers: {}, body: legacy }, 'op')).toMatchObject({
      kind: 'permanent',
      problem: { title: 'Not Found', detail: 'Call not found' },
    });
    expect(classifyResponse({ status: 422, headers: {}, body: 'plain text reason' }, 'op').problem.detail).toBe(
      'plain text reason',
    );
  });

  it("KPN's 401 body {type, error_title} is an auth failure", () => {
    const error = classifyResponse(
      { status: 401, headers: {}, body: { type: 'UNAUTHORIZED', error_title: 'Unauthorized' } },
      'op',
    );
    expect(error).toMatchObject({ kind: 'auth', httpStatus: 401, problem: { title: 'Unauthorized' } });
  });
});

describe('classifyNetworkError', () => {
  it('a refused or timed-out connect was never delivered; a reset or header timeout may have been', () => {
    expect(
      classifyNetworkError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'op').maybeDelivered,
    ).toBe(false);
    expect(
      classifyNetworkError(Object.assign(new Error('t'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'op').maybeDelivered,
    ).toBe(false);
    const reset = classifyNetworkError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 'op');
    expect(reset).toMatchObject({ kind: 'transient', maybeDelivered: true });
    expect(
      classifyNetworkError(Object.assign(new Error('h'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'op').maybeDelivered,
    ).toBe(true);
  });
});
