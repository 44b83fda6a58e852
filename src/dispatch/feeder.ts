import type { Db } from '../db/connect.ts';
import type { GatewayClient } from '../gateway/types.ts';
import { CAMPAIGN_PRIORITY, type CallJobData, callJobId } from '../queue/jobs.ts';
import type { CallQueue } from '../queue/queue.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { runPeriodically } from '../shared/periodic.ts';
import {
  claimStaleAttempts,
  completeFinishedCampaigns,
  dueCampaignIds,
  liveCallsOfCancelledCampaigns,
  queueDueRecipients,
} from './feeder-repository.ts';

/**
 * The feeder moves due recipients from Postgres into the call queue, a bounded window per
 * campaign at a time, so Redis holds at most FEEDER_WINDOW waiting jobs per campaign however
 * long the list. One runs in every worker process; they share the work safely (advisory lock
 * per campaign, `skip locked` per recipient, jobs idempotent by attempt id).
 */
export interface FeederDeps {
  db: Db;
  queue: CallQueue;
  gateway: Pick<GatewayClient, 'hangup'>;
  logger: Logger;
  /** Most queued attempts per campaign (FEEDER_WINDOW). */
  window: number;
  /** Attempts added per campaign per pass; bounds one transaction. Default 200. */
  batch?: number;
  /** A `queued` attempt older than this may have lost its job and is re-added. Default 30 s. */
  staleMs?: number;
  /** RECONCILE_GRACE_MS: a `dialing` attempt without uuid older than this gets its job back. */
  reconcileGraceMs: number;
}

export interface FeedReport {
  queued: number;
  requeued: number;
  completed: number;
  hungUp: number;
}

// Campaigns looked at per pass; the oldest start first, so none starves.
const CAMPAIGNS_PER_PASS = 50;
// A hang-up that did not end the call is tried again after this long (its webhook may lag).
const HANGUP_RETRY_MS = 30_000;

export function createFeeder(deps: FeederDeps) {
  const hangups = new Map<string, number>();
  const batch = deps.batch ?? 200;

  async function enqueue(attemptIds: readonly string[]): Promise<void> {
    if (attemptIds.length === 0) return;
    await deps.queue.addBulk(
      attemptIds.map((attemptId) => ({
        name: 'call',
        data: { attemptId, v: 1 } satisfies CallJobData,
        opts: { jobId: callJobId(attemptId), priority: CAMPAIGN_PRIORITY },
      })),
    );
  }

  async function hangUpCancelled(): Promise<number> {
    const now = Date.now();
    let count = 0;
    for (const uuid of await liveCallsOfCancelledCampaigns(deps.db, 50)) {
      if (now - (hangups.get(uuid) ?? 0) < HANGUP_RETRY_MS) continue;
      hangups.set(uuid, now);
      try {
        await deps.gateway.hangup(uuid);
        count++;
      } catch (thrown) {
        deps.logger.warn({ callUuid: uuid, err: coerceError(thrown).message }, 'hang-up of a cancelled call failed');
      }
    }
    for (const [uuid, at] of hangups) if (now - at > 10 * HANGUP_RETRY_MS) hangups.delete(uuid);
    return count;
  }

  /** One pass: feed every due campaign, re-add stale attempts, complete and hang up. */
  async function feedOnce(): Promise<FeedReport> {
    let queued = 0;
    for (const campaignId of await dueCampaignIds(deps.db, CAMPAIGNS_PER_PASS)) {
      const ids = await queueDueRecipients(deps.db, campaignId, deps.window, batch);
      await enqueue(ids);
      queued += ids.length;
    }
    const stale = await claimStaleAttempts(deps.db, deps.staleMs ?? 30_000, deps.reconcileGraceMs, batch);
    await enqueue(stale);
    const completed = await completeFinishedCampaigns(deps.db);
    for (const id of completed) deps.logger.info({ campaignId: id }, 'campaign completed');
    const hungUp = await hangUpCancelled();
    return { queued, requeued: stale.length, completed: completed.length, hungUp };
  }

  return { feedOnce };
}

export interface RunningFeeder {
  close(): Promise<void>;
}

/** Runs `feedOnce` every `intervalMs` until closed; a failed pass is logged and the next tries again. */
export function startFeeder(deps: FeederDeps, intervalMs: number): RunningFeeder {
  const feeder = createFeeder(deps);
  const log = deps.logger.child({ component: 'feeder' });
  return runPeriodically(async () => {
    try {
      const report = await feeder.feedOnce();
      if (report.queued || report.requeued || report.completed || report.hungUp) log.debug(report, 'feeder pass');
    } catch (thrown) {
      log.warn({ err: coerceError(thrown).message }, 'feeder pass failed');
    }
  }, intervalMs);
}
