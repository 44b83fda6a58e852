import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The limiter's second, independent layer: a sliding-window log in Redis, judged by Redis's own
 * clock (`TIME`), so the clocks of worker machines never matter.
 *
 * What is logged is not the admission but the request's whole flight. An admitted request is
 * entered with a score in the future (a lease: now + `leaseMs`), which its process renews while
 * the request is in flight, so it holds a slot; when its answer is back, `complete` rescores it
 * to that moment. A slot therefore
 * stays taken until one window after the answer, which is after the request reached the
 * gateway, however long the request sat between admission and sending (an OAuth token fetch, a
 * new TLS connection). So at most `limit` requests can reach the gateway within any window:
 * if limit+1 arrived within one window, the last of them was admitted while the other `limit`
 * were either in flight or answered less than a window before, and it would have been refused.
 * A worker that dies mid-request stops renewing: its slot frees within `leaseMs` + one window.
 *
 * Urgent requests (reminders, due at a moment) register as waiters while they wait: as long as
 * one is registered, bulk (campaign) requests are refused even when a slot is free, so the next
 * slot to free goes to the waiter. Waiters are leases too (`urgentHoldMs`, renewed by every try),
 * so a dead process's waiter stops holding campaigns back within that time. The limit itself
 * applies to urgent requests exactly as to bulk ones.
 *
 * Keys (under the deployment prefix): `log` (zset), `pause` (pause-until, ms), `pace` (minimum
 * gap in ms while a quota runs low), `last` (last admission), `alive` (marker: its absence means
 * Redis lost our state — a restart or FLUSHALL — so the guard first waits one full window,
 * since requests admitted before the loss are no longer in the log), `urgent` (zset of waiting
 * urgent requests, scored by lease end).
 */
const ACQUIRE = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local urgentHold = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[5]) == 0 then
  redis.call('SET', KEYS[5], now)
  redis.call('SET', KEYS[2], now + window, 'PX', window)
end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
if urgentHold > 0 then
  redis.call('ZADD', KEYS[6], now + urgentHold, ARGV[6])
  redis.call('PEXPIRE', KEYS[6], urgentHold)
end
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pausedUntil > now then return {0, pausedUntil - now, 1} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  -- Every slot is in flight: one frees a window after its answer, which we cannot foresee.
  if oldest > now then return {0, 25, 2} end
  return {0, oldest + window - now + 1, 2}
end
-- A slot is free but an urgent request waits for it: bulk requests ask again shortly.
if urgentHold == 0 and redis.call('ZCARD', KEYS[6]) > 0 then return {0, 50, 4} end
local pace = tonumber(redis.call('GET', KEYS[3]) or '0')
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
if pace > 0 and last + pace > now then return {0, last + pace - now, 3} end
local spacing = tonumber(ARGV[7])
if urgentHold == 0 and last + spacing > now then return {0, last + spacing - now, 5} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], window * 2 + tonumber(ARGV[4]))
redis.call('SET', KEYS[4], now, 'PX', math.max(window, pace) * 2)
if urgentHold > 0 then redis.call('ZREM', KEYS[6], ARGV[6]) end
return {1, 0, 0}
`;

/** The request's answer is back: its slot now frees one window from now (if still logged). */
const COMPLETE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
`;

/** Renews an in-flight slot's lease; a slot already answered (score in the past) is left alone. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= now then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2 + tonumber(ARGV[2]))
return 1
`;

/** Extends the pause to now + ARGV[1] ms (never shortens it); returns the pause left in ms. */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wanted = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if wanted > current then
  redis.call('SET', KEYS[1], wanted, 'PX', tonumber(ARGV[1]))
  return wanted - now
end
return current - now
`;

const PAUSE_LEFT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current > now then return current - now end
return 0
`;

/** `yield`: a slot is free, but an urgent request is waiting for it; `spacing`: see `spacingMs`. */
export type DenyReason = 'paused' | 'window_full' | 'pace' | 'yield' | 'spacing';
const REASONS: Record<number, DenyReason> = { 1: 'paused', 2: 'window_full', 3: 'pace', 4: 'yield', 5: 'spacing' };

export type GuardDecision = { admitted: true; slot: string } | { admitted: false; waitMs: number; reason: DenyReason };

export interface RateGuardOptions {
  /** Starts allowed per window (CALLS_PER_SECOND). */
  limit: number;
  /** Window length in ms: 1000 plus the safety margin. */
  windowMs: number;
  /** Key prefix, e.g. `callcast:limiter:calls`. */
  keyPrefix: string;
  /**
   * Lease of an in-flight slot, ms, renewed by its process (`renew`) while the request lasts; a
   * dead process's slot frees after at most this + one window.
   */
  leaseMs: number;
  /** How long one try of an urgent request holds bulk requests back, ms; each try renews it. Default 2000. */
  urgentHoldMs?: number;
  /**
   * Least gap between a bulk admission and the admission before it, ms; default 0. Without it,
   * requests waiting for a full window take the slots in bursts of `limit` as slots free
   * together, and the bursts repeat every window: an urgent request could wait a whole window.
   * With `windowMs / limit`, a slot frees about every `windowMs / limit`.
   */
  spacingMs?: number;
}

export class RateGuard {
  readonly #redis: Redis;
  readonly #options: RateGuardOptions;
  readonly #keys: string[];

  constructor(redis: Redis, options: RateGuardOptions) {
    this.#redis = redis;
    this.#options = options;
    const p = options.keyPrefix;
    this.#keys = [`${p}:log`, `${p}:pause`, `${p}:pace`, `${p}:last`, `${p}:alive`, `${p}:urgent`];
  }

  /**
   * One admission attempt; never waits. `urgentWaiter` (an id kept across the tries of one
   * request) marks an urgent request: until it is admitted or withdrawn, bulk requests yield.
   */
  async tryAcquire(urgentWaiter?: string): Promise<GuardDecision> {
    const { limit, windowMs, leaseMs } = this.#options;
    const slot = randomUUID();
    const hold = urgentWaiter ? (this.#options.urgentHoldMs ?? 2000) : 0;
    const reply = (await this.#redis.eval(
      ACQUIRE,
      6,
      ...this.#keys,
      limit,
      windowMs,
      slot,
      leaseMs,
      hold,
      urgentWaiter ?? '',
      this.#options.spacingMs ?? 0,
    )) as number[];
    if (reply[0] === 1) return { admitted: true, slot };
    return { admitted: false, waitMs: Math.max(1, reply[1] ?? 1), reason: REASONS[reply[2] ?? 2] ?? 'window_full' };
  }

  /** An urgent request gives up waiting: bulk requests no longer yield to it. */
  async withdraw(urgentWaiter: string): Promise<void> {
    await this.#redis.zrem(this.#keys[5] as string, urgentWaiter);
  }

  /** Marks an admitted request answered (or failed): call once the request is over. */
  async complete(slot: string): Promise<void> {
    await this.#redis.eval(COMPLETE, 1, this.#keys[0] as string, slot);
  }

  /** Keeps an admitted request's slot while it is in flight; call every `leaseMs / 4` or so. */
  async renew(slot: string): Promise<void> {
    const { leaseMs, windowMs } = this.#options;
    await this.#redis.eval(RENEW, 1, this.#keys[0] as string, slot, leaseMs, windowMs);
  }

  /** Pauses every process sharing this guard for at least `ms`; returns the pause now in force. */
  async pauseFor(ms: number): Promise<number> {
    return (await this.#redis.eval(PAUSE, 1, this.#keys[1] as string, Math.max(1, Math.ceil(ms)))) as number;
  }

  async pauseLeftMs(): Promise<number> {
    return (await this.#redis.eval(PAUSE_LEFT, 1, this.#keys[1] as string)) as number;
  }

  /** Minimum gap between starts for `ttlMs` (quota running low); 0 removes it. */
  async setPace(gapMs: number, ttlMs: number): Promise<void> {
    const key = this.#keys[2] as string;
    if (gapMs <= 0) await this.#redis.del(key);
    else await this.#redis.set(key, Math.ceil(gapMs), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }
}
