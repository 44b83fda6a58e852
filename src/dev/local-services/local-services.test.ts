import { describe, expect, it } from 'vitest';
import { choosePath } from './local-services.ts';

describe('choosePath', () => {
  it('uses a given URL before anything else', () => {
    expect(choosePath('redis://example:6379', true, 'test')).toBe('env');
    expect(choosePath('redis://example:6379', false, 'demo')).toBe('env');
  });

  it('uses testcontainers for tests and docker compose for the demo when an engine answers', () => {
    expect(choosePath(undefined, true, 'test')).toBe('testcontainers');
    expect(choosePath(undefined, true, 'demo')).toBe('docker-compose');
  });

  it('falls back to local binaries without an engine', () => {
    expect(choosePath(undefined, false, 'test')).toBe('binaries');
    expect(choosePath(undefined, false, 'demo')).toBe('binaries');
  });
});
