import { Worker } from 'bullmq';
import { requireSettings } from '../config/config.ts';
import { type CallProcessorDeps, type JobResult, processCallJob } from '../dispatch/call-processor.ts';
import { pipeTargetFor, startFairPump } from '../dispatch/fair-pump.ts';
import { startFeeder } from '../dispatch/feeder.ts';
import { createPendingEvidence } from '../dispatch/pending-evidence.ts';
import { type CallLimiter, createCallLimiter } from '../dispatch/rate-limiter.ts';
import { startSilentCallCheck } from '../dispatch/silent-calls.ts';
import type { GatewayClient, Quota } from '../gateway/types.ts';
import { startDeliveries } from '../outbound/delivery-worker.ts';
import { emitCampaignsCompleted } from '../outbound/result-events.ts';
import { FairShare } from '../queue/fair-share.ts';
import { CALL_QUEUE, type CallJobData } from '../queue/jobs.ts';
import { callBackoffMs, createCallQueue } from '../queue/queue.ts';
import { startReminderScheduler } from '../reminders/reminder-jobs.ts';
import { operationsSources } from '../reports/operations-metrics.ts';
import { coerceError } from '../shared/errors.ts';
import { attemptOwners } from './attempt-owners.ts';
import { type MetricsServer, startMetricsServer } from './metrics-server.ts';
import { startRetention } from './retention.ts';
import type { Runtime } from './runtime.ts';

export interface RunningWorker {
  readonly worker: Worker<CallJobData, JobResult>;
  readonly limiter: CallLimiter;
  /** The worker's own GET /metrics, when METRICS_PORT is set. */
  readonly metrics: MetricsServer | undefined;
  /** Stops taking jobs, gives back jobs still waiting for a slot, finishes calls under way. */
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  /** Builds the gateway client; `onQuota` feeds the shared limiter. */
  createGateway(onQuota: (quota: Quota) => void): GatewayClient;
  /** Tries of a call job that fails transiently; default CALL_JOB_ATTEMPTS (tests use fewer). */
  jobAttempts?: number;
  /** How long a created call's uuid is retried into Postgres by the dialing job; default 60 s (tests use less). */
  storeUuidPatienceMs?: number;
}

/**
 * One `callcast worker` process: the shared limiter, a BullMQ worker on the call queue and a
 * feeder. Many such processes on many machines share the same Redis and Postgres.
 */
export function startWorker(runtime: Runtime, options: StartWorkerOptions): RunningWorker {
  const { logger } = runtime;
  const config = requireSettings(runtime.config, { publicUrl: 'PUBLIC_URL', webhookToken: 'WEBHOOK_TOKEN' });
  const webhookBase = { publicUrl: config.publicUrl, webhookToken: config.webhookToken };
  // The gateway first: a missing credential fails here, before anything holds a connection.
  const quotaSink: { limiter?: CallLimiter } = {};
  const gateway = options.createGateway((quota) => {
    quotaSink.limiter?.applyQuota(quota).catch((err: unknown) => {
      logger.warn({ err: coerceError(err).message }, 'could not apply quota headers');
    });
  });
  const limiter = createCallLimiter({
    redis: runtime.redis(),
    logger: logger.child({ component: 'limiter' }),
    keyPrefix: config.redisKeyPrefix,
    callsPerSecond: config.callsPerSecond,
    marginMs: config.callRateMarginMs,
    guardMode: config.rateGuard,
  });
  quotaSink.limiter = limiter;
  const queue = createCallQueue(runtime.redis(), config.redisKeyPrefix, options.jobAttempts);
  const deps: CallProcessorDeps = {
    db: runtime.db,
    gateway,
    limiter,
    logger: logger.child({ component: 'worker' }),
    webhookBase,
    reconcileGraceMs: config.reconcileGraceMs,
    owners: attemptOwners,
    pending: createPendingEvidence(runtime.redis(), config.redisKeyPrefix),
    storeUuidPatienceMs: options.storeUuidPatienceMs,
  };
  const worker: Worker<CallJobData, JobResult> = new Worker<CallJobData, JobResult>(
    CALL_QUEUE,
    (job, token) => processCallJob(deps, job, token, worker),
    {
      connection: runtime.redis(),
      prefix: config.redisKeyPrefix,
      concurrency: config.workerConcurrency,
      lockDuration: config.workerLockMs,
      // Check for a dead worker's jobs as often as a lock can expire.
      stalledInterval: config.workerLockMs,
      // A stalled job is safe to re-run (the attempt row decides), so it is never failed for stalling.
      maxStalledCount: 1000,
      // Idle workers block on Redis at most 1 s (default 5 s), so a job released by a rate
      // limit or a short pause is picked up promptly: the call rate depends on it.
      drainDelay: 1,
      // Every call job carries `backoff: { type: CALL_BACKOFF }` (queue defaults).
      settings: { backoffStrategy: (attemptsMade: number) => callBackoffMs(attemptsMade) },
    },
  );
  worker.on('error', (err) => logger.warn({ err: err.message }, 'call worker error'));
  worker.on('failed', (job, err) =>
    logger.warn({ attemptId: job?.data.attemptId, err: err.message }, 'call job failed'),
  );
  const fair = new FairShare(runtime.redis(), config.redisKeyPrefix);
  const feeder = startFeeder(
    {
      db: runtime.db,
      queue,
      fair,
      gateway,
      logger,
      window: campaignWindow(config.feederWindow, config.callsPerSecond),
      reconcileGraceMs: config.reconcileGraceMs,
      onCampaignsCompleted: emitCampaignsCompleted,
    },
    config.feederIntervalMs,
  );
  // Outbound webhooks: outbox relay + delivery worker on their own queue and concurrency.
  const deliveries = startDeliveries({
    db: runtime.db,
    redis: (options) => runtime.redis(options),
    keyPrefix: config.redisKeyPrefix,
    logger,
    settings: config.outboundWebhooks,
  });
  // Fills BullMQ from the fair-share scheduler, a short pipe at a time (dispatch/README.md).
  const pump = startFairPump({
    fair,
    queue,
    logger,
    pipeTarget: pipeTargetFor(config.callsPerSecond),
    inFlight: () => limiter.inFlight(),
  });
  // Reminder attempts share the queue; their scheduler runs in every worker process too.
  const reminders = startReminderScheduler({ db: runtime.db, queue, logger });
  // Calls silent for 5 graces (default 5 min) are asked about: their webhooks may be lost for good.
  const silentCalls = startSilentCallCheck(
    { db: runtime.db, gateway, logger: logger.child({ component: 'silent-calls' }), owners: attemptOwners },
    5 * config.reconcileGraceMs,
    5 * config.feederIntervalMs,
  );
  // Old raw events and idempotency keys go, in small batches (EVENT_/IDEMPOTENCY_RETENTION_DAYS).
  const retention = startRetention({ db: runtime.db, logger }, config.retention);
  const metrics =
    config.metricsPort === undefined
      ? undefined
      : startMetricsServer(
          operationsSources({ db: runtime.db, redis: runtime.redis(), queue }),
          config.host,
          config.metricsPort,
          logger,
        );
  let closing: Promise<void> | undefined;
  return {
    worker,
    limiter,
    metrics,
    close() {
      closing ??= (async () => {
        await Promise.all([
          feeder.close(),
          pump.close(),
          reminders.close(),
          silentCalls.close(),
          retention.close(),
          metrics?.close(),
          deliveries.close(),
        ]);
        // In parallel: the limiter rejects jobs still waiting for a slot, so the worker's close
        // (which waits for active jobs) is not held up by a queue of not-yet-started calls.
        await Promise.all([worker.close(), limiter.close()]);
        await queue.close();
        await gateway.close();
      })();
      return closing;
    },
  };
}

/**
 * Attempts held per campaign in the fair-share scheduler: FEEDER_WINDOW at most, but no more
 * than 5 s of the whole rate (at least 20), refilled every feeder pass. A small window is what
 * keeps 1,000 campaigns' waiting attempts (and a calling window's opening) from crowding Redis.
 */
function campaignWindow(feederWindow: number, callsPerSecond: number): number {
  return Math.min(feederWindow, Math.max(20, Math.ceil(callsPerSecond * 5)));
}
