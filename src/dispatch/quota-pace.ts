import type { Quota } from '../gateway/types.ts';

/**
 * What the quota headers of a response ask of the limiter. The rule:
 *   - nothing is known (no limit, used or future reset time)      → leave the pace alone;
 *   - the quota is used up                                        → pause everyone until the reset;
 *   - at full speed the remaining quota outlasts the reset, or more than one hour of
 *     full-speed calls remain                                     → full speed (clear any pace);
 *   - otherwise (under an hour of calls left, and they would run out before the reset) the
 *     quota is stretched: one call every (ms until reset ÷ remaining), so some capacity is
 *     left until the reset instead of none.
 * The one-hour floor keeps a long quota window (a month) from throttling a campaign early:
 * only its last hour of capacity is stretched.
 */
const FULL_SPEED_FLOOR_MS = 3_600_000;

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
  const fullSpeedLastsMs = (remaining / callsPerSecond) * 1000;
  if (fullSpeedLastsMs >= msLeft || fullSpeedLastsMs > FULL_SPEED_FLOOR_MS) return { kind: 'full_speed' };
  return { kind: 'pace', gapMs: Math.ceil(msLeft / remaining), ttlMs: msLeft };
}
