import type { RetryPolicyJson } from '../db/database.ts';
import type { Outcome } from './call-status.ts';

/**
 * Outcomes that never retry, whatever the policy says, and that no retry policy may list: the
 * person was reached or refused, the number opted out, or a call may exist already.
 */
export const NEVER_RETRY: ReadonlySet<Outcome> = new Set([
  'completed',
  'rejected',
  'skipped',
  'suppressed',
  'maybe_placed',
]);

/** When to try again after `attemptNo` ended with `outcome`, or undefined for never. */
export function nextRetryAt(policy: RetryPolicyJson, attemptNo: number, outcome: Outcome, now: Date): Date | undefined {
  if (NEVER_RETRY.has(outcome)) return undefined;
  if (!policy.retryOn.includes(outcome)) return undefined;
  if (attemptNo >= policy.maxAttempts) return undefined;
  return new Date(now.getTime() + policy.delaySeconds * 1000);
}
