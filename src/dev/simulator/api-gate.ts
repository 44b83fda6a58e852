import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { SimContext } from './context.ts';
import { type Exchange, problem, send } from './exchange.ts';
import { intervalHeaders } from './limits.ts';
import { tokenFault } from './token-store.ts';

/**
 * What every API request passes before its route runs, in the order KPN's Apigee proxy applies
 * it: added latency, authentication, the quota, then the injected 5xx faults. Returns false when
 * the request has been answered already.
 */
export async function passGate(ctx: SimContext, exchange: Exchange, direct: boolean): Promise<boolean> {
  const options = ctx.options();
  // Unref'd: a closing simulator does not wait out the added latency of requests it is dropping.
  if (options.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, options.latencyMs).unref());
  const now = Date.now();
  if (!direct) setQuotaHeaders(ctx, exchange, now);
  if (!authenticate(ctx, exchange, direct, now)) return false;
  if (!direct && !ctx.quota.tryConsume(options.quotaLimit, options.quotaWindowMs, now)) {
    setQuotaHeaders(ctx, exchange, now);
    send(exchange, 429, {
      fault: {
        faultstring: 'Rate limit quota violation. Quota limit  exceeded. Identifier : _default',
        detail: { errorcode: 'policies.ratelimit.QuotaViolation' },
      },
    });
    return false;
  }
  if (!direct) setQuotaHeaders(ctx, exchange, now);
  if (ctx.dice.chance(options.serverErrorShare)) {
    const status = ctx.dice.chance(0.5) ? 500 : 503;
    send(exchange, status, problem('internal-error', 'Internal Server Error', 'Simulated gateway failure'));
    return false;
  }
  return true;
}

/** KPN's header set (docs/gateway-facts.md §8), on every answer of the KPN API. */
export function setQuotaHeaders(ctx: SimContext, exchange: Exchange, now: number): void {
  const options = ctx.options();
  const quota = ctx.quota.state(options.quotaLimit, options.quotaWindowMs, now);
  const { interval, timeUnit } = intervalHeaders(quota.windowMs);
  Object.assign(exchange.headers, {
    'quota-limit': String(quota.limit),
    'quota-used': String(quota.used),
    'quota-interval': interval,
    'quota-time-unit': timeUnit,
    'quota-reset-UTC':
      options.quotaResetFormat === 'iso' ? new Date(quota.resetAt).toISOString() : String(quota.resetAt),
    'api-version': 'v1',
    sunset: 'n/a',
  });
}

function authenticate(ctx: SimContext, exchange: Exchange, direct: boolean, now: number): boolean {
  if (ctx.consume('unauthorizedCount')) {
    send(exchange, 401, tokenFault('invalid'));
    return false;
  }
  const authorization = exchange.req.headers.authorization;
  if (direct) {
    const reason = jwtProblem(authorization);
    if (reason) send(exchange, 401, problem('unauthorized', 'Unauthorized', reason));
    return reason === undefined;
  }
  const check = ctx.tokens.check(authorization, now);
  if (check === 'valid') return true;
  // KPN's own definition documents this 401 body: {type, error_title}.
  const body = check === 'missing' ? { type: 'UNAUTHORIZED', error_title: 'Unauthorized' } : tokenFault(check);
  send(exchange, 401, body);
  return false;
}

/** Vonage direct: a RS256 application JWT with application_id, iat and jti (the signature is not checked). */
function jwtProblem(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return 'Missing bearer token';
  try {
    const header = decodeProtectedHeader(match[1] as string);
    const claims = decodeJwt(match[1] as string);
    if (header.alg !== 'RS256') return `Expected an RS256 token, got ${String(header.alg)}`;
    if (typeof claims.application_id !== 'string' || !claims.iat || !claims.jti) {
      return 'Token lacks application_id, iat or jti';
    }
    if (claims.exp !== undefined && claims.exp * 1000 < Date.now()) return 'Token expired';
    return undefined;
  } catch {
    return 'Malformed token';
  }
}
