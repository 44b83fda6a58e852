import Bottleneck from 'bottleneck';
import { type RequestWatch, watchRequest } from '../gateway/request-watch.ts';
import { coerceError } from '../shared/errors.ts';
import { CallLimiterError } from './call-limiter-error.ts';
import type { RateGuard } from './rate-guard.ts';

/**
 * The slot path shared by bulk and urgent requests, once a request may ask the guard: prepare
 * (the worker's claim), wait for the guard's admission, then run the request while its slot's
 * lease is renewed, and mark the slot answered when it is over.
 */

export type ScheduleResult<T> = { ran: true; value: T } | { ran: false };

/**
 * Where a scheduled task got to, for telling the caller whether the request may have left.
 * `abandoned`: Bottleneck gave up on the job (expiration, stop) or the limiter closed, and the
 * caller has been told nothing started; the task, which may keep running, must then never send.
 */
export interface Progress {
  state: 'waiting' | 'prepared' | 'started';
  abandoned: 'closed' | 'unavailable' | null;
}

export interface SlotContext {
  guard: RateGuard;
  /** Longest wait for the guard inside a slot, ms. */
  maxGuardWaitMs: number;
  /** Lease of an in-flight slot, ms; renewed every quarter of it. */
  leaseMs: number;
  /** Reports a Redis failure of a background step (renew, complete) to the recovery watch. */
  report: (err: unknown) => void;
}

/** Runs one request through the slot path; `urgentWaiter` marks an urgent (reminder) request. */
export async function runInSlot<T>(
  ctx: SlotContext,
  fn: () => Promise<T>,
  prepare: (() => Promise<boolean>) | undefined,
  progress: Progress,
  urgentWaiter?: string,
): Promise<ScheduleResult<T>> {
  const deadline = Date.now() + ctx.maxGuardWaitMs;
  if (prepare && !(await prepare())) return { ran: false };
  progress.state = 'prepared';
  const slot = await acquire(ctx.guard, deadline, progress, urgentWaiter);
  if (progress.abandoned) {
    await ctx.guard.complete(slot);
    throw new CallLimiterError(progress.abandoned, 'abandoned before sending', { started: false });
  }
  return { ran: true, value: await sendInSlot(ctx, slot, fn, progress) };
}

/** Runs the admitted request, renewing its slot's lease until the answer is back. */
async function sendInSlot<T>(ctx: SlotContext, slot: string, fn: () => Promise<T>, progress: Progress): Promise<T> {
  const renewal = setInterval(() => void ctx.guard.renew(slot).catch(ctx.report), ctx.leaseMs / 4);
  progress.state = 'started'; // set in the same tick as the request starts
  void ctx.guard.startFlight(slot).catch(ctx.report);
  try {
    if (ctx.guard.mode === 'adaptive') return await watchRequest(adaptiveWatch(ctx, slot), fn);
    return await fn();
  } finally {
    clearInterval(renewal);
    await ctx.guard.complete(slot).catch(ctx.report);
    void ctx.guard.endFlight(slot).catch(ctx.report);
  }
}

/** Adaptive mode: the transport says when the request left and how it was answered. */
function adaptiveWatch(ctx: SlotContext, slot: string): RequestWatch {
  return {
    sent: () => void ctx.guard.depart(slot).catch(ctx.report),
    answered: (status, errorCode) => void ctx.guard.adapt(status, errorCode).catch(ctx.report),
  };
}

/** Waits for the guard's admission until `deadline` (local clock; only bounds our own wait). */
async function acquire(guard: RateGuard, deadline: number, progress: Progress, urgentWaiter?: string): Promise<string> {
  for (;;) {
    if (progress.abandoned)
      throw new CallLimiterError(progress.abandoned, 'abandoned while waiting', { started: false });
    const decision = await guard.tryAcquire(urgentWaiter);
    if (decision.admitted) return decision.slot;
    if (Date.now() + decision.waitMs > deadline) {
      throw new CallLimiterError(
        decision.reason === 'paused' ? 'paused' : 'not_admitted',
        `guard: ${decision.reason}`,
        {
          started: false,
          retryInMs: decision.waitMs,
        },
      );
    }
    // A little jitter so processes that were refused together do not all ask again together.
    await new Promise((resolve) => setTimeout(resolve, Math.min(decision.waitMs, 1000) + Math.random() * 5));
  }
}

/** Turns whatever a scheduled run threw into what the caller needs: did the request leave? */
export function explainFailure(thrown: unknown, state: Progress['state'], closing: boolean): unknown {
  if (thrown instanceof CallLimiterError) return thrown.withPrepared(state !== 'waiting');
  if (state === 'started' && !(thrown instanceof Bottleneck.BottleneckError)) return thrown;
  const err = coerceError(thrown);
  const reason = state === 'started' ? 'expired' : closing ? 'closed' : 'unavailable';
  return new CallLimiterError(reason, err.message, {
    started: state === 'started',
    prepared: state !== 'waiting',
    cause: thrown,
  });
}
