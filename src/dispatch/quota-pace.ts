import type { Quota } from '../gateway/types.ts';

/**
 * What the quota headers of a response ask of the limiter. The rule:
 *   - nothing is known (no limit, used or future reset time)       → leave the pace alone;
 *   - the quota is used up                                         → pause everyone until the reset;
 *   - remaining ÷ seconds-until-reset ≥ CALLS_PER_SECOND           → full speed (clear any pace);
 *   - otherwise the quota would run out before it resets: space calls evenly, one every
 *     (ms until reset ÷ remaining), so the last call of the quota lands just before the reset.
 */
export type QuotaAction =
  | { kind: 'none' }
  | { kind: 'pause'; ms: number }
  | { kind: 'full_speed' }
  | { kind: 'pace'; gapMs: number; ttlMs: number };

export function quotaAction(quota: Quota | undefined, callsPerSecond: number, now: Date): QuotaAction {
  if (!quota || quota.limit === undefined || quota.used === undefined || !quota.resetAt) return { kind: 'none' };
  const msLeft = quota.resetAt.getTime() - now.getTime();
  if (!Number.isFinite(msLeft) || msLeft <= 0) return { kind: 'none' };
  const remaining = quota.limit - quota.used;
  if (remaining <= 0) return { kind: 'pause', ms: msLeft };
  const sustainablePerSecond = remaining / (msLeft / 1000);
  if (sustainablePerSecond >= callsPerSecond) return { kind: 'full_speed' };
  return { kind: 'pace', gapMs: Math.ceil(msLeft / remaining), ttlMs: msLeft };
}
