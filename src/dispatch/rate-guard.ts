// Size: the guard's whole protocol with Redis (acquire, renew, complete, pause, epoch) in one class;
// its Lua lives in rate-guard-scripts.ts, the slot loop in guard-slot.ts.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  ACQUIRE,
  ADAPT,
  COMPLETE,
  DEPART,
  type DenyReason,
  PAUSE,
  PAUSE_LEFT,
  REASON_BY_CODE,
  RENEW,
} from './rate-guard-scripts.ts';

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
  /**
   * `strict` (default): a slot is held from admission until one window after the answer.
   * `adaptive`: from admission until the request's last byte left (`depart`), then for one
   * window plus a learned margin (`adapt`): see src/dispatch/README.md for what each promises.
   */
  mode?: GuardMode;
}

export type GuardMode = 'strict' | 'adaptive';

/**
 * The adaptive margin's bounds and steps, ms. It starts at 20 (the window already holds
 * CALL_RATE_MARGIN_MS, and the departure is logged a little after the last byte left, both on
 * the safe side), grows ×1.5 + 10 per 429 (at most once a second), and falls 0.03 per accepted
 * request: after a 429 it takes ~500 accepted calls to give back 15 ms, so the gateway's spread
 * is probed about once per 500 calls (~3 min at 3/s).
 */
const ADAPTIVE_MARGIN = { initial: 20, least: 0, most: 600, step: 0.03 } as const;

/** The guard's Redis keys under its prefix (see the top of this file). */
interface GuardKeys {
  log: string;
  pause: string;
  pace: string;
  last: string;
  alive: string;
  urgent: string;
  seq: string;
  margin: string;
  smooth: string;
  bumped: string;
  inflight: string;
}

export class RateGuard {
  readonly #redis: Redis;
  readonly #options: RateGuardOptions;
  readonly #keys: GuardKeys;
  /** Highest admission seq this process was handed: a lower one in Redis means a restored snapshot. */
  #seen = 0;

  constructor(redis: Redis, options: RateGuardOptions) {
    this.#redis = redis;
    this.#options = options;
    const p = options.keyPrefix;
    this.#keys = {
      log: `${p}:log`,
      pause: `${p}:pause`,
      pace: `${p}:pace`,
      last: `${p}:last`,
      alive: `${p}:alive`,
      urgent: `${p}:urgent`,
      seq: `${p}:seq`,
      margin: `${p}:margin`,
      smooth: `${p}:smooth`,
      bumped: `${p}:bumped`,
      inflight: `${p}:inflight`,
    };
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
      9,
      // In ACQUIRE's KEYS order.
      this.#keys.log,
      this.#keys.pause,
      this.#keys.pace,
      this.#keys.last,
      this.#keys.alive,
      this.#keys.urgent,
      this.#keys.seq,
      this.#keys.margin,
      this.#keys.smooth,
      limit,
      windowMs,
      slot,
      leaseMs,
      hold,
      urgentWaiter ?? '',
      this.#options.spacingMs ?? 0,
      this.#seen,
      this.#options.mode === 'adaptive' ? 1 : 0,
    )) as number[];
    if (reply[0] === 1) {
      this.#seen = Math.max(this.#seen, reply[1] ?? 0);
      return { admitted: true, slot };
    }
    return {
      admitted: false,
      waitMs: Math.max(1, reply[1] ?? 1),
      reason: REASON_BY_CODE.get(reply[2] ?? 0) ?? 'window_full',
    };
  }

  /** An urgent request gives up waiting: bulk requests no longer yield to it. */
  async withdraw(urgentWaiter: string): Promise<void> {
    await this.#redis.zrem(this.#keys.urgent, urgentWaiter);
  }

  /** Marks an admitted request answered (or failed): call once the request is over. */
  async complete(slot: string): Promise<void> {
    await this.#redis.eval(COMPLETE, 1, this.#keys.log, slot);
  }

  /**
   * Requests under way (admitted, answer not back), across processes: the fair pump leaves them
   * out of the pipe it keeps filled. Entries are leases, so a dead process's expire.
   */
  async startFlight(slot: string): Promise<void> {
    await this.#redis
      .multi()
      .zadd(this.#keys.inflight, Date.now() + this.#options.leaseMs, slot)
      .pexpire(this.#keys.inflight, this.#options.leaseMs * 2)
      .exec();
  }

  async endFlight(slot: string): Promise<void> {
    await this.#redis.zrem(this.#keys.inflight, slot);
  }

  /** How many requests are under way (leases judged by this process's clock; only a count for pacing work). */
  async inFlight(): Promise<number> {
    const key = this.#keys.inflight;
    const [, count] = (await this.#redis.multi().zremrangebyscore(key, '-inf', Date.now()).zcard(key).exec()) ?? [];
    return Number(count?.[1] ?? 0);
  }

  get mode(): GuardMode {
    return this.#options.mode ?? 'strict';
  }

  /** Adaptive mode: the request's last byte left now; returns the margin its slot was logged with. */
  async depart(slot: string): Promise<number> {
    const reply = await this.#redis.eval(
      DEPART,
      2,
      this.#keys.log,
      this.#keys.margin,
      slot,
      this.#options.windowMs,
      ADAPTIVE_MARGIN.initial,
    );
    return Number(reply);
  }

  /** Adaptive mode: learns from an answer (429: a larger margin; accepted: a little smaller). */
  async adapt(status: number, errorCode: string | undefined): Promise<number> {
    const spike = /spikearrest/i.test(errorCode ?? '') ? 1 : 0;
    const { least, most, step, initial } = ADAPTIVE_MARGIN;
    const reply = await this.#redis.eval(
      ADAPT,
      3,
      this.#keys.margin,
      this.#keys.smooth,
      this.#keys.bumped,
      status,
      spike,
      least,
      most,
      step,
      initial,
    );
    return Number(reply);
  }

  /** Keeps an admitted request's slot while it is in flight; call every `leaseMs / 4` or so. */
  async renew(slot: string): Promise<void> {
    const { leaseMs, windowMs } = this.#options;
    await this.#redis.eval(RENEW, 1, this.#keys.log, slot, leaseMs, windowMs);
  }

  /** Pauses every process sharing this guard for at least `ms`; returns the pause now in force. */
  async pauseFor(ms: number): Promise<number> {
    return (await this.#redis.eval(PAUSE, 1, this.#keys.pause, Math.max(1, Math.ceil(ms)))) as number;
  }

  async pauseLeftMs(): Promise<number> {
    return (await this.#redis.eval(PAUSE_LEFT, 1, this.#keys.pause)) as number;
  }

  /** Minimum gap between starts for `ttlMs` (quota running low); 0 removes it. */
  async setPace(gapMs: number, ttlMs: number): Promise<void> {
    const key = this.#keys.pace;
    if (gapMs <= 0) await this.#redis.del(key);
    else await this.#redis.set(key, Math.ceil(gapMs), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }
}
