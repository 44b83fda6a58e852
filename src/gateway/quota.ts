import type { Quota } from './types.ts';

/** Response headers as undici hands them over (lower-case names). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()] ?? headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

/**
 * KPN's Apigee quota headers (docs/gateway-facts.md §8) as one value; undefined when none is present
 * (Vonage direct sends none). Each field is parsed on its own so one odd header loses only itself.
 */
export function parseQuota(headers: ResponseHeaders): Quota | undefined {
  const limit = integer(header(headers, 'quota-limit'));
  const used = integer(header(headers, 'quota-used'));
  const interval = integer(header(headers, 'quota-interval'));
  const timeUnit = header(headers, 'quota-time-unit');
  const resetAt = parseResetTime(header(headers, 'quota-reset-UTC'));
  const quota: Quota = {
    ...(limit !== undefined ? { limit } : {}),
    ...(used !== undefined ? { used } : {}),
    ...(interval !== undefined ? { interval } : {}),
    ...(timeUnit !== undefined ? { timeUnit } : {}),
    ...(resetAt !== undefined ? { resetAt } : {}),
  };
  return Object.keys(quota).length > 0 ? quota : undefined;
}

/** True when the quota headers say the window's allowance is used up. */
export function isQuotaExhausted(quota: Quota | undefined): boolean {
  return quota?.limit !== undefined && quota.used !== undefined && quota.used >= quota.limit;
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Math.trunc(Number(text));
}

/**
 * `quota-reset-UTC` has no documented format, so accept what Apigee and proxies write:
 * epoch milliseconds, epoch seconds, ISO 8601, or `YYYY-MM-DD HH:MM:SS` (read as UTC, as the name says).
 */
export function parseResetTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const value = Number(text);
    if (value >= 1e12) return new Date(value);
    if (value >= 1e9) return new Date(value * 1000);
    return undefined;
  }
  const cleaned = text.replace(/\s*(UTC|GMT|Z)$/i, '');
  const isoLike = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(cleaned);
  const parsed = isoLike ? Date.parse(`${cleaned.replace(' ', 'T')}Z`) : Date.parse(text);
  return Number.isFinite(parsed) ? new Date(parsed) : undefined;
}
