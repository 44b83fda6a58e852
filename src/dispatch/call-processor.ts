import { DelayedError, type Job, Worker } from 'bullmq';
import { endAttempt } from '../calls/attempt-outcome.ts';
import type { AttemptOwners } from '../calls/attempt-owners.ts';
import { type Db, isStorageUnavailable } from '../db/connect.ts';
import type { CreateCallRequest, GatewayClient } from '../gateway/types.ts';
import type { CallJobData } from '../queue/jobs.ts';
import { windowState } from '../shared/call-window.ts';
import type { Logger } from '../shared/logger.ts';
import { answerUrl, eventUrl, type WebhookBase, withOwnInputUrls } from '../shared/webhook-urls.ts';
import {
  callEvidence,
  claimAttempt,
  claimStamp,
  confirmClaimAtSend,
  markStarted,
  reclaimForRedial,
  releaseClaim,
  returnToPending,
} from './attempt-claims.ts';
import { type DialSpec, loadDialSpec } from './dial-spec.ts';
import { classifyFailure } from './failure-policy.ts';
import type { CallLimiter } from './rate-limiter.ts';

export interface CallProcessorDeps {
  /** Settles the recipient or reminder run of an attempt that ended here. */
  owners: AttemptOwners;
  db: Db;
  gateway: GatewayClient;
  limiter: CallLimiter;
  logger: Logger;
  webhookBase: WebhookBase;
  /** RECONCILE_GRACE_MS: see `reconcile`. */
  reconcileGraceMs: number;
}

/** What happened to one job, for logs and tests. */
export type JobResult =
  | 'dialed'
  | 'gone'
  | 'not_queued'
  | 'returned_to_pending'
  | 'skipped'
  | 'rejected'
  | 'reconciled'
  | 'claimed_elsewhere'
  | 'gave_up';

type RateLimitable = Pick<Worker, 'rateLimit'>;

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
  const spec = await loadDialSpec(deps.db, job.data.attemptId);
  if (!spec) return 'gone';
  if (spec.status === 'dialing' && !spec.callUuid) return reconcile(deps, job, token, worker, spec);
  if (spec.status !== 'queued') return 'not_queued';
  if (spec.halt === 'paused')
    return (await returnToPending(deps.db, spec.attemptId, spec.recipientId)) ? 'returned_to_pending' : 'not_queued';
  if (spec.halt === 'cancelled') return skip(deps, spec, 'campaign cancelled before dialing');
  await holdForWindowAndPause(deps, job, token, worker, spec);
  return dial(deps, job, token, worker, spec, () => claimAttempt(deps.db, spec.attemptId, spec.recipientId));
}

/**
 * The never-call-twice rule. An attempt in `dialing` with no call uuid means a request left (or
 * may have left) and its answer was lost: a worker died mid-request, or the request timed out.
 * Before redialing we wait RECONCILE_GRACE_MS after the dial started (Postgres clock) for any
 * webhook naming the attempt (its event_url carries the attempt id). Any event, or a uuid,
 * means the call exists: we record it and never redial. Only when the grace passes in silence
 * do we redial, as the same attempt, after a compare-and-set on dial_started_at so that one
 * process alone redials. The grace exceeds the longest a request can take (guard wait plus the
 * gateway client's timeout), and the gateway posts `started` within seconds of creating a call.
 */
async function reconcile(
  deps: CallProcessorDeps,
  job: Job<CallJobData>,
  token: string | undefined,
  worker: RateLimitable,
  spec: DialSpec,
): Promise<JobResult> {
  const evidence = await callEvidence(deps.db, spec.attemptId);
  if (evidence.callUuid) {
    await markStarted(deps.db, spec.attemptId, evidence.callUuid, undefined);
    return 'reconciled';
  }
  if (evidence.events > 0) return 'reconciled';
  const waitMs = deps.reconcileGraceMs - (spec.dialingForMs ?? Number.POSITIVE_INFINITY);
  if (waitMs > 0) await delayJob(job, token, Date.now() + waitMs);
  if (spec.halt) {
    // No call was placed and the campaign stopped: settle without dialing.
    await releaseClaim(deps.db, spec.attemptId, spec.recipientId);
    if (spec.halt === 'paused') await returnToPending(deps.db, spec.attemptId, spec.recipientId);
    else return skip(deps, spec, 'campaign cancelled; the unconfirmed dial left no trace');
    return 'returned_to_pending';
  }
  await holdForWindowAndPause(deps, job, token, worker, spec);
  const seen = spec.dialStartedAt;
  deps.logger.warn({ attemptId: spec.attemptId }, 'no trace of an unconfirmed dial after the grace period; redialing');
  return dial(deps, job, token, worker, spec, () => reclaimForRedial(deps.db, spec.attemptId, seen));
}

/** Outside the calling window: move the job to the next opening. Paused everywhere: rate-limit. */
async function holdForWindowAndPause(
  deps: CallProcessorDeps,
  job: Job<CallJobData>,
  token: string | undefined,
  worker: RateLimitable,
  spec: DialSpec,
): Promise<void> {
  const state = windowState(new Date(), spec.callWindow, spec.zone);
  if (!state.open) await delayJob(job, token, state.opensAt.getTime());
  const pausedMs = await deps.limiter.pauseLeftMs();
  if (pausedMs > 0) {
    await worker.rateLimit(pausedMs);
    throw Worker.RateLimitError();
  }
}

async function delayJob(job: Job<CallJobData>, token: string | undefined, at: number): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

async function skip(deps: CallProcessorDeps, spec: DialSpec, detail: string): Promise<JobResult> {
  await deps.db
    .transaction()
    .execute((trx) => endAttempt(trx, spec.attemptId, { outcome: 'skipped', detail }, deps.owners));
  return 'skipped';
}

function buildRequest(deps: CallProcessorDeps, spec: DialSpec): CreateCallRequest {
  return {
    attemptId: spec.attemptId,
    to: spec.to,
    from: spec.from,
    answerUrl: spec.ownAnswerUrl ?? answerUrl(deps.webhookBase, spec.attemptId),
    // Inline NCCO (Vonage direct): `input` actions without an eventUrl answer to callcast.
    ...(spec.ncco ? { ncco: withOwnInputUrls(spec.ncco, deps.webhookBase, spec.attemptId) } : {}),
    eventUrl: eventUrl(deps.webhookBase, spec.attemptId),
    machineDetection: spec.callOptions.machine_detection,
    ringingTimer: spec.callOptions.ringing_timer,
    lengthTimer: spec.callOptions.length_timer,
  };
}

async function dial(
  deps: CallProcessorDeps,
  job: Job<CallJobData>,
  token: string | undefined,
  worker: RateLimitable,
  spec: DialSpec,
  claim: () => Promise<boolean>,
): Promise<JobResult> {
  const request = buildRequest(deps, spec);
  let claimed = false;
  let claimedAt: Date | null = null;
  const prepare = async () => {
    claimed = await claim();
    if (claimed) claimedAt = await claimStamp(deps.db, spec.attemptId);
    return claimed;
  };
  // The guard may hold a claimed attempt for long (a Redis outage blocks it); meanwhile a stalled
  // copy of this job may have found the attempt unconfirmed past the grace and re-claimed it.
  const send = async () =>
    claimedAt && (await confirmClaimAtSend(deps.db, spec.attemptId, claimedAt))
      ? deps.gateway.createCall(request)
      : undefined;
  try {
    // A reminder is due at a moment: it skips the campaign backlog held in the limiter.
    const result = await deps.limiter.schedule(send, { urgent: spec.kind === 'reminder', prepare });
    if (!result.ran || !result.value) return 'claimed_elsewhere';
    // Quota headers reach the limiter through the gateway client's onQuota hook (worker.ts).
    await storeCallUuid(deps.db, spec.attemptId, result.value.uuid, result.value.conversationUuid);
    return 'dialed';
  } catch (thrown) {
    return handleFailure(deps, job, token, worker, spec, thrown, claimed);
  }
}

// Once the gateway said 201 the call exists, and its uuid lives only in this process until stored.
// A Postgres outage must not turn it into an unconfirmed dial (left to reconciliation, which
// redials if the outage also cost the call's webhooks), so a minute of outage is waited out.
const STORE_UUID_PATIENCE_MS = 60_000;

async function storeCallUuid(db: Db, attemptId: string, uuid: string, conversationUuid: string | undefined) {
  const deadline = Date.now() + STORE_UUID_PATIENCE_MS;
  for (;;) {
    try {
      return await markStarted(db, attemptId, uuid, conversationUuid);
    } catch (err) {
      if (!isStorageUnavailable(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

// After the last try of a job that never reached the gateway, the recipient waits this long in
// Postgres (a reminder's job in Redis): outages that outlast ~4 min of backoff take minutes more.
const RETRY_AFTER_OUTAGE_MS = 5 * 60_000;

async function handleFailure(
  deps: CallProcessorDeps,
  job: Job<CallJobData>,
  token: string | undefined,
  worker: RateLimitable,
  spec: DialSpec,
  thrown: unknown,
  claimed: boolean,
): Promise<JobResult> {
  const action = classifyFailure(thrown);
  const log = deps.logger.child({ attemptId: spec.attemptId, action: action.kind });
  if (action.kind === 'end') {
    log.warn({ detail: action.detail }, 'gateway refused the call');
    await deps.db
      .transaction()
      .execute((trx) =>
        endAttempt(
          trx,
          spec.attemptId,
          { outcome: 'error', detail: action.detail, gatewayError: action.gatewayError },
          deps.owners,
        ),
      );
    return 'rejected';
  }
  if (claimed && action.claim === 'release') await releaseClaim(deps.db, spec.attemptId, spec.recipientId);
  if (action.kind === 'requeue') {
    // No slot (closing, or the guard is paced): the job waits in Redis, not in this process.
    return delayJob(job, token, Date.now() + action.delayMs);
  }
  if (action.kind === 'pause_all') {
    const level = action.reason.includes('credentials') ? 'error' : 'warn';
    log[level]({ pauseMs: action.ms, reason: action.reason }, 'pausing every worker');
    const inForce = await deps.limiter.pauseFor(action.ms, action.reason);
    await worker.rateLimit(Math.max(inForce, 1));
    throw Worker.RateLimitError();
  }
  const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (lastTry && action.claim === 'release') {
    // Every try failed before the request could leave (a long gateway or token outage): no
    // call exists, so the number is tried again later instead of being given up.
    log.warn({ reason: action.reason, retryInMs: RETRY_AFTER_OUTAGE_MS }, 'gateway unreachable on every try; later');
    if (spec.kind === 'reminder') return delayJob(job, token, Date.now() + RETRY_AFTER_OUTAGE_MS);
    const back = await returnToPending(deps.db, spec.attemptId, spec.recipientId, RETRY_AFTER_OUTAGE_MS);
    return back ? 'returned_to_pending' : 'not_queued';
  }
  if (lastTry) {
    const detail =
      action.claim === 'keep'
        ? `${action.reason}; the call may have been placed, so it is not redialed`
        : `gave up after ${job.attemptsMade + 1} tries: ${action.reason}`;
    log.error({ detail }, 'giving up on the attempt');
    await deps.db
      .transaction()
      .execute((trx) => endAttempt(trx, spec.attemptId, { outcome: 'error', detail }, deps.owners));
    return 'gave_up';
  }
  log.warn({ reason: action.reason, claim: action.claim }, 'dial failed; retrying with backoff');
  throw thrown;
}
