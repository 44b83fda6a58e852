import { DelayedError, type Job, type Worker } from 'bullmq';
import { endAttempt } from '../calls/attempt-outcome.ts';
import type { AttemptOwners } from '../calls/attempt-owners.ts';
import type { Outcome } from '../calls/call-status.ts';
import type { Db } from '../db/connect.ts';
import type { GatewayClient } from '../gateway/types.ts';
import type { CallJobData } from '../queue/jobs.ts';
import type { Logger } from '../shared/logger.ts';
import type { WebhookBase } from '../shared/webhook-urls.ts';
import type { DialSpec } from './dial-spec.ts';
import type { PendingEvidence } from './pending-evidence.ts';
import type { CallLimiter } from './rate-limiter.ts';

export interface CallProcessorDeps {
  /** Settles the recipient or reminder run of an attempt that ended here. */
  owners: AttemptOwners;
  db: Db;
  gateway: GatewayClient;
  limiter: CallLimiter;
  logger: Logger;
  webhookBase: WebhookBase;
  /** RECONCILE_GRACE_MS: see `reconcile` in call-processor.ts; it also sets each create-call's send deadline. */
  reconcileGraceMs: number;
  /** Evidence of calls kept in Redis while Postgres cannot take it; without it, only Postgres is asked. */
  pending?: PendingEvidence;
  /** How long a created call's uuid is retried into Postgres before the job gives up, ms; default 60 s. */
  storeUuidPatienceMs?: number;
}

/** What happened to one job, for logs and tests. */
export type JobResult =
  | 'dialed'
  | 'gone'
  | 'not_queued'
  | 'returned_to_pending'
  | 'skipped'
  | 'suppressed'
  | 'rejected'
  | 'reconciled'
  | 'claimed_elsewhere'
  | 'gave_up';

export type RateLimitable = Pick<Worker, 'rateLimit'>;

/**
 * One call job on its way through the dial path: the process's dependencies, the BullMQ job
 * (with its lock token and worker, to delay or rate-limit it) and the attempt read from Postgres.
 */
export interface JobContext {
  deps: CallProcessorDeps;
  job: Job<CallJobData>;
  /** The job's lock token (moveToDelayed needs it). */
  token: string | undefined;
  worker: RateLimitable;
  spec: DialSpec;
  /** Scoped to the attempt. */
  log: Logger;
}

/** Moves the job back to the delayed set until `at` (epoch ms) and ends this run of it. */
export async function delayJob(ctx: JobContext, at: number): Promise<never> {
  await ctx.job.moveToDelayed(at, ctx.token);
  throw new DelayedError();
}

/** Ends the attempt without a call (`skipped`, `suppressed`) and settles its owner. */
export async function endUndialed(ctx: JobContext, outcome: Outcome, detail: string): Promise<void> {
  await ctx.deps.db
    .transaction()
    .execute((trx) => endAttempt(trx, ctx.spec.attemptId, { outcome, detail }, ctx.deps.owners));
}
