import { randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import type { Quota } from '../gateway/types.ts';
import type { Logger } from '../shared/logger.ts';
import { limiterWindowMs } from '../shared/rate-window.ts';
import { createBottleneckConnection } from './bottleneck-store.ts';
import { CallLimiterError } from './call-limiter-error.ts';
import { explainFailure, type Progress, runInSlot, type ScheduleResult, type SlotContext } from './guard-slot.ts';
import { quotaAction } from './quota-pace.ts';
import { type GuardMode, RateGuard } from './rate-guard.ts';
import { createRecoveryWatch } from './recovery-watch.ts';

/**
 * The one create-call limiter shared by every worker process on every machine. Two layers; only
 * the second holds the gateway's limit (Bottleneck's spacing is judged by each client's clock
 * and measurably let 4 starts through in one second on a loaded machine):
 *   1. Bottleneck, clustered through Redis: spaces bulk starts about `minTime` apart across
 *      processes, so slots free one at a time instead of in bursts;
 *   2. RateGuard: a Redis-time sliding-window log that admits a request only while fewer than
 *      `callsPerSecond` were in flight or answered within the last second (+ margin), and
 *      honours the global pause (see rate-guard.ts for why this bounds arrivals at the gateway).
 */
export interface CallLimiter {
  /**
   * Runs `fn` in a create-call slot. `prepare` runs inside the slot just before the guard (the
   * worker claims its attempt there); when it returns false, `fn` is skipped and the result is
   * `{ ran: false }`. Rejects with CallLimiterError when no slot was given, or with fn's error.
   */
  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<ScheduleResult<T>>;
  /** Stops every worker everywhere from starting calls for `ms`; returns the pause in force. */
  pauseFor(ms: number, reason: string): Promise<number>;
  pauseLeftMs(): Promise<number>;
  /** Create-call requests under way in every process (admitted, answer not back). */
  inFlight(): Promise<number>;
  /** Adjusts the shared pace from a response's quota headers (rule in quota-pace.ts). */
  applyQuota(quota: Quota | undefined): Promise<void>;
  close(): Promise<void>;
}

export interface ScheduleOptions {
  /** 0–9, lower runs first (Bottleneck's scale); default 5. */
  priority?: number;
  /**
   * Due at a moment (a reminder): skips Bottleneck and waits at the guard, where bulk requests
   * hold back while it waits. The guard's limit applies to it like to any other request.
   */
  urgent?: boolean;
  prepare?: () => Promise<boolean>;
}

export interface CallLimiterOptions {
  redis: Redis;
  logger: Logger;
  /** Redis key prefix of the deployment; the limiter lives under `<prefix>:limiter`. */
  keyPrefix: string;
  callsPerSecond: number;
  /** Added to the one-second window, ms; covers clock rounding (slots already span the whole flight). Default 10. */
  marginMs?: number;
  /** Longest wait for the guard inside a slot before giving the slot back, ms. Default 10 s. */
  maxGuardWaitMs?: number;
  /** Bottleneck `expiration` of each job, ms: guard wait + the gateway's request timeout. Default 45 s. */
  expirationMs?: number;
  /** Lease of an in-flight guard slot, renewed every quarter of it, ms. Default 8 s. */
  leaseMs?: number;
  /** RATE_GUARD: `strict` (default) or `adaptive` (rate-guard.ts). */
  guardMode?: GuardMode;
}

export function createCallLimiter(options: CallLimiterOptions): CallLimiter {
  const { redis, logger, keyPrefix, callsPerSecond } = options;
  const marginMs = options.marginMs ?? 10;
  const maxGuardWaitMs = options.maxGuardWaitMs ?? 10_000;
  const expirationMs = options.expirationMs ?? 45_000;
  const windowMs = limiterWindowMs(marginMs);
  const leaseMs = options.leaseMs ?? 8000;
  const guard = new RateGuard(redis, {
    limit: Math.max(1, Math.floor(callsPerSecond)),
    windowMs,
    keyPrefix: `${keyPrefix}:limiter:calls`,
    // Renewed every 2 s while a request lasts: only an event loop frozen for 6 s could lose
    // it, and a killed worker's slot frees within 8 s + one window.
    leaseMs,
    // Bulk admissions a Bottleneck `minTime` apart: slots free one at a time, not in bursts.
    // Adaptive: half of it, so an admission delayed by load can be caught up within the window
    // rule instead of pushing every later one back (a smoothing gateway gets its own spacing).
    spacingMs: Math.floor(
      windowMs / Math.max(1, Math.floor(callsPerSecond)) / (options.guardMode === 'adaptive' ? 2 : 1),
    ),
    mode: options.guardMode ?? 'strict',
  });
  // Its own connection pair (Bottleneck duplicates it for pub/sub), closed with the limiter.
  const connection = createBottleneckConnection(redis.duplicate());
  const makeBottleneck = () => {
    const limiter = new Bottleneck({ ...bottleneckSettings(keyPrefix, callsPerSecond, marginMs), connection });
    limiter.on('error', (err: unknown) => watch.report(err));
    return limiter;
  };
  const watch = createRecoveryWatch(logger, () => {
    const old = bottleneck;
    bottleneck = makeBottleneck();
    void old.stop({ dropWaitingJobs: true }).catch(() => undefined);
  });
  let bottleneck = makeBottleneck();
  let closing: Promise<void> | undefined;

  // Urgent tasks run outside Bottleneck; `close` abandons those still waiting for the guard.
  const urgentRuns = new Set<Progress>();

  const slotContext: SlotContext = { guard, maxGuardWaitMs, leaseMs, report: (err) => watch.report(err) };

  /** Bulk (campaign) path: Bottleneck spaces the starts across processes, then the guard admits. */
  const scheduleBulk = <T>(fn: () => Promise<T>, options: ScheduleOptions, progress: Progress) =>
    bottleneck.schedule({ priority: options.priority ?? 5, expiration: expirationMs }, () =>
      runInSlot(slotContext, fn, options.prepare, progress),
    );

  /**
   * Urgent (reminder) path. Bottleneck hands out future starts to every job it holds, whatever
   * their priority, so an urgent request would wait behind all of them: it goes to the guard
   * directly, registered as a waiter so bulk requests yield the next free slot to it.
   */
  const scheduleUrgent = async <T>(fn: () => Promise<T>, options: ScheduleOptions, progress: Progress) => {
    const urgentWaiter = randomUUID();
    urgentRuns.add(progress);
    try {
      return await runInSlot(slotContext, fn, options.prepare, progress, urgentWaiter);
    } finally {
      urgentRuns.delete(progress);
      if (progress.state !== 'started') await guard.withdraw(urgentWaiter).catch(() => undefined);
    }
  };

  return {
    async schedule<T>(fn: () => Promise<T>, scheduleOptions: ScheduleOptions = {}): Promise<ScheduleResult<T>> {
      if (closing) throw new CallLimiterError('closed', 'the limiter is closed', { started: false });
      const progress: Progress = { state: 'waiting', abandoned: null };
      try {
        return scheduleOptions.urgent
          ? await scheduleUrgent(fn, scheduleOptions, progress)
          : await scheduleBulk(fn, scheduleOptions, progress);
      } catch (thrown) {
        progress.abandoned ??= closing ? 'closed' : 'unavailable';
        throw explainFailure(thrown, progress.state, closing !== undefined);
      }
    },
    async pauseFor(ms, reason) {
      const inForce = await guard.pauseFor(ms);
      logger.warn({ pauseMs: inForce, reason }, 'create-call limiter paused for every worker');
      return inForce;
    },
    pauseLeftMs: () => guard.pauseLeftMs(),
    inFlight: () => guard.inFlight(),
    async applyQuota(quota) {
      const action = quotaAction(quota, callsPerSecond, new Date());
      if (action.kind === 'pause') await this.pauseFor(action.ms, 'quota used up');
      else if (action.kind === 'pace') await guard.setPace(action.gapMs, action.ttlMs);
      else if (action.kind === 'full_speed') await guard.setPace(0, 0);
    },
    close() {
      closing ??= (async () => {
        watch.stop();
        for (const run of urgentRuns) if (run.state !== 'started') run.abandoned = 'closed';
        // Jobs still waiting for a slot are rejected (their workers requeue them); calls
        // already under way finish.
        await bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
        await connection.disconnect(false);
      })();
      return closing;
    },
  };
}

/** The clustered Bottleneck layer's settings (exported so a contract test can run it alone). */
export function bottleneckSettings(keyPrefix: string, callsPerSecond: number, marginMs: number) {
  return {
    id: `${keyPrefix}:limiter:dial`,
    datastore: 'ioredis' as const,
    clearDatastore: false,
    // Spacing only (the guard holds the limit): whole ms, rounded down. Rounded up, ceil(1010 / 100)
    // = 11 capped 100/s at 90.9/s; Bottleneck's Lua refuses a fractional minTime (PEXPIRE). At 3/s
    // 336 ms still makes any 4 starts span more than 1 s.
    minTime: Math.max(1, Math.floor(limiterWindowMs(marginMs) / callsPerSecond)),
    maxConcurrent: null,
    // Idle limiter keys expire after 5 min instead of piling up in Redis.
    timeout: 300_000,
  };
}
