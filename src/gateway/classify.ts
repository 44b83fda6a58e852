import { parseProblem } from './problem.ts';
import { header, isQuotaExhausted, parseQuota, type ResponseHeaders } from './quota.ts';
import { GatewayError, type GatewayProblem, type Quota } from './types.ts';

/** A gateway answer, before we decide what it means. */
export interface GatewayResponse {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
}

/** Wait after a 429 that names no wait: the per-second window is one second long (docs/gateway-facts.md §2). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/** Wait after a quota 429 without a readable reset time: long enough not to hammer a spent quota. */
const DEFAULT_QUOTA_WAIT_MS = 60_000;
/** Statuses that end an attempt: the request itself is wrong, so retrying cannot help. */
const PERMANENT = new Set([400, 403, 404, 405, 409, 410, 413, 415, 422]);

/**
 * The one pure classifier: turns a non-2xx gateway answer into the `GatewayError` a worker acts on
 * (see `GatewayFailureKind`). `operation` names the request in the message, e.g. "create call".
 */
export function classifyResponse(response: GatewayResponse, operation: string, now = Date.now()): GatewayError {
  const quota = parseQuota(response.headers);
  const problem = parseProblem(response.body);
  const traceId = header(response.headers, 'x-nexmo-trace-id');
  const base = { httpStatus: response.status, quota, problem, traceId };
  const message = `${operation}: HTTP ${response.status}${describe(problem)}`;
  const { status } = response;
  if (status === 401) return new GatewayError('auth', message, base);
  if (status === 429) return classify429(response, quota, problem, message, base, now);
  if (status >= 500 || status === 408) {
    // 503 is a refusal before any work (overload, maintenance); 500/502/504 may come after Vonage
    // acted on the request, so a call may exist.
    return new GatewayError('transient', message, { ...base, maybeDelivered: status !== 503 });
  }
  if (PERMANENT.has(status) || (status >= 400 && status < 500)) return new GatewayError('permanent', message, base);
  return new GatewayError('transient', `${operation}: unexpected HTTP ${status}`, base);
}

function classify429(
  response: GatewayResponse,
  quota: Quota | undefined,
  problem: GatewayProblem,
  message: string,
  base: { httpStatus: number; quota?: Quota; problem: GatewayProblem; traceId?: string },
  now: number,
): GatewayError {
  const named = retryAfterMs(response, now);
  const quotaFault = /quota/i.test(`${problem.title ?? ''} ${problem.detail ?? ''}`);
  if (isQuotaExhausted(quota) || quotaFault) {
    const untilReset = quota?.resetAt ? quota.resetAt.getTime() - now : undefined;
    const wait = untilReset !== undefined && untilReset > 0 ? untilReset : (named ?? DEFAULT_QUOTA_WAIT_MS);
    return new GatewayError('quota_exhausted', `${message} (quota used up)`, { ...base, retryAfterMs: wait });
  }
  return new GatewayError('rate_limited', message, { ...base, retryAfterMs: named ?? DEFAULT_RATE_LIMIT_WAIT_MS });
}

/** `Retry-After` (seconds or an HTTP date) or the throttling body's `retry_after` (seconds). */
export function retryAfterMs(response: GatewayResponse, now = Date.now()): number | undefined {
  const value = header(response.headers, 'retry-after');
  if (value !== undefined) {
    if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
    const date = Date.parse(value);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const body = response.body as { retry_after?: unknown } | undefined;
  const fromBody = Number(body && typeof body === 'object' ? body.retry_after : Number.NaN);
  return Number.isFinite(fromBody) && fromBody >= 0 ? Math.round(fromBody * 1000) : undefined;
}

/**
 * Errors without an answer. Before the connection exists nothing reached the gateway; once the
 * request was written (reset, timeout waiting for headers), the gateway may have placed the call.
 */
export function classifyNetworkError(thrown: unknown, operation: string): GatewayError {
  const error = thrown as { code?: string; message?: string; name?: string };
  const code = error?.code ?? error?.name ?? 'unknown';
  const notSent = ['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
  const maybeDelivered = !notSent.includes(code);
  return new GatewayError('transient', `${operation}: ${code} ${error?.message ?? String(thrown)}`.trim(), {
    maybeDelivered,
    cause: thrown,
  });
}

function describe(problem: GatewayProblem): string {
  const parts = [problem.title, problem.detail].filter(Boolean);
  const params = problem.invalidParameters?.map((p) => `${p.name}: ${p.reason}`).join('; ');
  return `${parts.length ? ` ${parts.join(' – ')}` : ''}${params ? ` (${params})` : ''}`;
}
