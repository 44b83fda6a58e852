import { describe, expect, it } from 'vitest';
import { retrySchema } from './call-settings.ts';
import { nextRetryAt } from './retry-policy.ts';

const policy = { maxAttempts: 3, retryOn: ['busy', 'unanswered', 'timeout'], delaySeconds: 600 };
const now = new Date('2026-01-01T10:00:00Z');

describe('nextRetryAt', () => {
  it('retries a busy line after the policy delay', () => {
    expect(nextRetryAt(policy, 1, 'busy', now)).toEqual(new Date('2026-01-01T10:10:00Z'));
  });

  it('stops at the maximum number of attempts', () => {
    expect(nextRetryAt(policy, 3, 'busy', now)).toBeUndefined();
  });

  it('never retries an answered call, even if the policy lists it', () => {
    expect(nextRetryAt({ ...policy, retryOn: ['completed'] }, 1, 'completed', now)).toBeUndefined();
  });

  it('does not retry outcomes the policy leaves out', () => {
    expect(nextRetryAt(policy, 1, 'failed', now)).toBeUndefined();
  });
});

describe('outcomes no retry policy may list', () => {
  it('a campaign or reminder retry policy naming maybe_placed or suppressed is refused', () => {
    for (const outcome of ['maybe_placed', 'suppressed', 'skipped', 'completed']) {
      const parsed = retrySchema.safeParse({ maxAttempts: 3, retryOn: [outcome], delaySeconds: 60 });
      expect(parsed.success, outcome).toBe(false);
    }
    expect(retrySchema.safeParse({ maxAttempts: 3, retryOn: ['busy'], delaySeconds: 60 }).success).toBe(true);
  });

  it('even a stored policy that lists them never retries them', () => {
    for (const outcome of ['maybe_placed', 'suppressed'] as const) {
      expect(nextRetryAt({ ...policy, retryOn: [outcome] }, 1, outcome, now)).toBeUndefined();
    }
  });
});
