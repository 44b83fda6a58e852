import { describe, expect, it } from 'vitest';
import { isQuotaExhausted, parseQuota, parseResetTime } from './quota.ts';

describe('parseQuota', () => {
  it('parses the KPN header set into one value', () => {
    const quota = parseQuota({
      'quota-limit': '5000',
      'quota-used': '17',
      'quota-interval': '1',
      'quota-time-unit': 'month',
      'quota-reset-utc': '1795316400000',
      'api-version': 'v1',
    });
    expect(quota).toEqual({ limit: 5000, used: 17, interval: 1, timeUnit: 'month', resetAt: new Date(1795316400000) });
    expect(isQuotaExhausted(quota)).toBe(false);
    expect(isQuotaExhausted({ limit: 5, used: 5 })).toBe(true);
  });

  it('is undefined without quota headers (Vonage direct) and skips unreadable fields', () => {
    expect(parseQuota({ 'content-type': 'application/json' })).toBeUndefined();
    expect(parseQuota({ 'quota-limit': 'lots', 'quota-used': '3' })).toEqual({ used: 3 });
  });

  it('reads quota-reset-UTC leniently: epoch ms, epoch s, ISO, and "YYYY-MM-DD HH:MM:SS" as UTC', () => {
    const expected = Date.parse('2026-12-01T00:00:00.000Z');
    expect(parseResetTime(String(expected))?.getTime()).toBe(expected);
    expect(parseResetTime(String(expected / 1000))?.getTime()).toBe(expected);
    expect(parseResetTime('2026-12-01T00:00:00Z')?.getTime()).toBe(expected);
    expect(parseResetTime('2026-12-01 00:00:00')?.getTime()).toBe(expected);
    expect(parseResetTime('2026-12-01 00:00:00 UTC')?.getTime()).toBe(expected);
    expect(parseResetTime('Tue, 01 Dec 2026 00:00:00 GMT')?.getTime()).toBe(expected);
    expect(parseResetTime('soon')).toBeUndefined();
    expect(parseResetTime('42')).toBeUndefined();
  });
});
