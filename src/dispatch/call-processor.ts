import { type Job, Worker } from 'bullmq';
import { isStorageUnavailable } from '../db/connect.ts';
import type { CallJobData } from '../queue/jobs.ts';
import { windowState } from '../shared/call-window.ts';
import {
  callEvidence,
  claimAttempt,
  markStarted,
  reclaimForRedial,
  releaseClaim,
  returnToPending,
} from './attempt-claims.ts';
import { dial } from './dial.ts';
import { loadDialSpec } from './dial-spec.ts';
import {
  type CallProcessorDeps,
  delayJob,
  endUndialed,
  type JobContext,
  type JobResult,
  type RateLimitable,
} from './job-context.ts';

export type { CallProcessorDeps, JobResult } from './job-context.ts';

/**
 * One call job: read the attempt, decide, dial at most once. Never throws for a decision; it
 * throws DelayedError (window closed, reconcile wait), RateLimitError (global pause) or the
 * failure itself (transient: BullMQ retries with backoff).
 */
export async function processCallJob(
  deps: CallProcessorDeps,
  job: Job<CallJobData>,
  token: string | undefined,
  worker: RateLimitable,
): Promise<JobResult> {
  try {
    return await processLoaded(deps, job, token, worker);
  } catch (thrown) {
    // Remembered for reconciliation: the grace of an unconfirmed dial counts from the outage's end.
    if (isStorageUnavailable(thrown)) await deps.pending?.noteStorageDown().catch(() => undefined);
    throw thrown;
  }
}

async function processLoaded(
  deps: CallProcessorDeps,
  job: Job<CallJobData>,
  token: string | undefined,
  worker: RateLimitable,
): Promise<JobResult> {
  const spec = await loadDialSpec(deps.db, job.data.attemptId);
  if (!spec) return 'gone';
  const ctx: JobContext = { deps, job, token, worker, spec, log: deps.logger.child({ attemptId: spec.attemptId }) };
  if (spec.status === 'dialing' && !spec.callUuid) return reconcile(ctx);
  if (spec.status !== 'queued') return 'not_queued';
  if (spec.halt === 'paused')
    return (await returnToPending(deps.db, spec.attemptId, spec.recipientId)) ? 'returned_to_pending' : 'not_queued';
  if (spec.halt === 'cancelled') return skip(ctx, 'campaign cancelled before dialing');
  await holdForWindowAndPause(ctx);
  return dial(ctx, () => claimAttempt(deps.db, spec.attemptId, spec.recipientId));
}

/**
 * The never-call-twice rule. An attempt in `dialing` with no call uuid means a request left (or
 * may have left) and its answer was lost: a worker died mid-request, or the request timed out.
 * Before redialing we wait RECONCILE_GRACE_MS after the dial started (Postgres clock) for any
 * webhook naming the attempt (its event_url carries the attempt id). Any event, or a uuid,
 * means the call exists: we record it and never redial. Only when the grace passes in silence
 * do we redial, as the same attempt, after a compare-and-set on dial_started_at so that one
 * process alone redials. The grace exceeds the longest a request can take (config.ts refuses a
 * shorter one), and the gateway posts `started` within seconds of creating a call.
 */
async function reconcile(ctx: JobContext): Promise<JobResult> {
  const { deps, spec } = ctx;
  const evidence = await callEvidence(deps.db, spec.attemptId);
  if (evidence.callUuid) {
    await markStarted(deps.db, spec.attemptId, evidence.callUuid, undefined);
    return 'reconciled';
  }
  if (evidence.events > 0) return 'reconciled';
  if (await evidenceInRedis(ctx)) return 'reconciled';
  const waitMs = deps.reconcileGraceMs - (await silentForMs(ctx));
  if (waitMs > 0) await delayJob(ctx, Date.now() + waitMs);
  if (spec.halt) {
    // No call was placed and the campaign stopped: settle without dialing.
    await releaseClaim(deps.db, spec.attemptId, spec.recipientId);
    if (spec.halt === 'paused') await returnToPending(deps.db, spec.attemptId, spec.recipientId);
    else return skip(ctx, 'campaign cancelled; the unconfirmed dial left no trace');
    return 'returned_to_pending';
  }
  await holdForWindowAndPause(ctx);
  const seen = spec.dialStartedAt;
  ctx.log.warn('no trace of an unconfirmed dial after the grace period; redialing');
  // Asked again at the last moment: a webhook buffered during an outage may have arrived meanwhile.
  return dial(ctx, async () => !(await evidenceInRedis(ctx)) && reclaimForRedial(deps.db, spec.attemptId, seen));
}

/**
 * How long the attempt has been silent in a way that counts toward the grace: since the dial
 * started, but only since Postgres was last reachable again if an outage came in between
 * (webhooks answered 5xx meanwhile arrive again later, once Postgres takes them).
 */
async function silentForMs(ctx: JobContext): Promise<number> {
  const sinceDial = ctx.spec.dialingForMs ?? Number.POSITIVE_INFINITY;
  const sinceOutage = await ctx.deps.pending?.storageDownAgoMs().catch(() => undefined);
  return sinceOutage === undefined ? sinceDial : Math.min(sinceDial, sinceOutage);
}

/**
 * Evidence Redis holds for a call Postgres has not stored: a uuid kept when storing it failed,
 * or webhooks waiting in the event buffer. A kept or buffered uuid is stored at once.
 */
async function evidenceInRedis(ctx: JobContext): Promise<boolean> {
  const { deps, spec } = ctx;
  if (!deps.pending) return false;
  const found = await deps.pending.find(spec.attemptId);
  if (found.callUuid) {
    await markStarted(deps.db, spec.attemptId, found.callUuid, found.conversationUuid ?? undefined);
    await deps.pending.forgetUuid(spec.attemptId);
    ctx.log.info({ callUuid: found.callUuid }, 'unconfirmed dial reconciled from evidence kept in Redis');
    return true;
  }
  return found.events > 0;
}

/** Outside the calling window: move the job to the next opening. Paused everywhere: rate-limit. */
async function holdForWindowAndPause(ctx: JobContext): Promise<void> {
  const state = windowState(new Date(), ctx.spec.callWindow, ctx.spec.zone);
  if (!state.open) await delayJob(ctx, state.opensAt.getTime());
  const pausedMs = await ctx.deps.limiter.pauseLeftMs();
  if (pausedMs > 0) {
    await ctx.worker.rateLimit(pausedMs);
    throw Worker.RateLimitError();
  }
}

async function skip(ctx: JobContext, detail: string): Promise<JobResult> {
  await endUndialed(ctx, 'skipped', detail);
  return 'skipped';
}
