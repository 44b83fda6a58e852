import { describe, expect, it } from 'vitest';
import { idempotencyKeyFrom, requestHash } from './idempotency.ts';

describe('requestHash', () => {
  it('ignores key order but not values, arrays order, path or method', () => {
    const base = requestHash('POST', '/v1/campaigns', { a: 1, b: { c: [1, 2] } });
    expect(requestHash('POST', '/v1/campaigns', { b: { c: [1, 2] }, a: 1 })).toBe(base);
    expect(requestHash('POST', '/v1/campaigns', { a: 1, b: { c: [2, 1] } })).not.toBe(base);
    expect(requestHash('POST', '/v1/campaigns', { a: 2, b: { c: [1, 2] } })).not.toBe(base);
    expect(requestHash('POST', '/v1/other', { a: 1, b: { c: [1, 2] } })).not.toBe(base);
  });
});

describe('idempotencyKeyFrom', () => {
  it('accepts visible ASCII up to 255 characters and refuses the rest', () => {
    expect(idempotencyKeyFrom(undefined)).toBeUndefined();
    expect(idempotencyKeyFrom('order-42:retry')).toBe('order-42:retry');
    expect(() => idempotencyKeyFrom('')).toThrow(/Idempotency-Key/);
    expect(() => idempotencyKeyFrom('has space')).toThrow(/Idempotency-Key/);
    expect(() => idempotencyKeyFrom('k'.repeat(256))).toThrow(/Idempotency-Key/);
  });
});
