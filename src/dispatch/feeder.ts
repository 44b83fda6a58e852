// Size: one feeder pass (campaign windows, queueing, completion, stale attempts) and its loop; the
// steps are small functions that read in the order they run.
import type { Db } from '../db/connect.ts';
import type { GatewayClient } from '../gateway/types.ts';
import type { FairCampaign, FairShare } from '../queue/fair-share.ts';
import { type CallJobData, callJobId, REMINDER_PRIORITY } from '../queue/jobs.ts';
import type { CallQueue } from '../queue/queue.ts';
import { windowState } from '../shared/call-window.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { recordFeederPass } from '../shared/metrics.ts';
import { runPeriodically } from '../shared/periodic.ts';
import {
  type CampaignsCompleted,
  campaignsForOffer,
  claimStaleAttempts,
  completeFinishedCampaigns,
  type DueCampaign,
  dueCampaigns,
  hasOwnZones,
  liveCallsOfCancelledCampaigns,
  markFed,
  queueDueRecipients,
} from './feeder-repository.ts';

/**
 * The feeder moves due recipients from Postgres into the fair-share scheduler (queue/fair-share.ts),
 * a bounded window per campaign at a time, so Redis holds at most `window` waiting attempts per
 * campaign however long the list; the fair pump moves them on into BullMQ. One runs in every
 * worker process; they share the work safely (advisory lock per campaign, `skip locked` per
 * recipient, offers idempotent by attempt id).
 */
export interface FeederDeps {
  db: Db;
  queue: CallQueue;
  fair: FairShare;
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
  /** Called in the transaction that completes campaigns (start/ writes `campaign.completed` there). */
  onCampaignsCompleted?: CampaignsCompleted;
}

export interface FeedReport {
  queued: number;
  requeued: number;
  completed: number;
  hungUp: number;
}

// Campaigns looked at per pass, least recently fed first (a round robin), so none starves.
const CAMPAIGNS_PER_PASS = 50;
// The fast lane: campaigns never fed are looked at this often, so a new one's first call is not
// a whole feeder interval away.
const NEW_CAMPAIGN_INTERVAL_MS = 200;
// A hang-up that did not end the call is tried again after this long (its webhook may lag).
const HANGUP_RETRY_MS = 30_000;

export function createFeeder(deps: FeederDeps) {
  const hangups = new Map<string, number>();
  const batch = deps.batch ?? 200;

  /** Stale attempts: a campaign's go back to the scheduler, a reminder's straight to BullMQ. */
  async function requeue(stale: ReadonlyArray<{ id: string; campaignId: string | null }>): Promise<void> {
    const reminders = stale.filter((row) => row.campaignId === null).map((row) => row.id);
    if (reminders.length > 0) {
      await deps.queue.addBulk(
        reminders.map((attemptId) => ({
          name: 'call',
          data: { attemptId, v: 1 } satisfies CallJobData,
          opts: { jobId: callJobId(attemptId), priority: REMINDER_PRIORITY },
        })),
      );
    }
    const byCampaign = Map.groupBy(
      stale.filter((row) => row.campaignId !== null),
      (row) => row.campaignId as string,
    );
    for (const campaign of await campaignsForOffer(deps.db, [...byCampaign.keys()])) {
      const ids = (byCampaign.get(campaign.id) ?? []).map((row) => row.id);
      await deps.fair.offer(fairFacts(campaign), ids);
    }
  }

  /**
   * When the campaign's calling window (in its own zone) is closed, the time it opens: the
   * campaign is not fed until then, so its attempts do not pile up in Redis and flood the pipe at
   * the opening. Recipients with their own zone are left to the worker (it delays their jobs).
   */
  async function closedUntil(campaign: DueCampaign): Promise<Date | undefined> {
    const state = windowState(new Date(), campaign.callWindow, campaign.timezone);
    if (state.open) return undefined;
    return (await hasOwnZones(deps.db, campaign.id)) ? undefined : state.opensAt;
  }

  /** Feeds these campaigns; returns attempts queued and how many were skipped as window-closed. */
  async function feedCampaigns(campaigns: readonly DueCampaign[]): Promise<{ queued: number; closed: number }> {
    let queued = 0;
    const feedAfter = new Map<string, Date>();
    for (const campaign of campaigns) {
      const opensAt = await closedUntil(campaign);
      if (opensAt) {
        feedAfter.set(campaign.id, opensAt);
        continue;
      }
      const ids = await queueDueRecipients(deps.db, campaign.id, deps.window, batch);
      await deps.fair.offer(fairFacts(campaign), ids);
      queued += ids.length;
    }
    await markFed(
      deps.db,
      campaigns.map((campaign) => campaign.id),
      feedAfter,
    );
    return { queued, closed: feedAfter.size };
  }

  /**
   * Up to CAMPAIGNS_PER_PASS campaigns fed. Window-closed ones do not count: they are stamped
   * with their opening and the next candidates are read (at most 10 rounds), so a crowd of
   * closed campaigns cannot push due ones out of the pass.
   */
  async function feedDue(onlyNew: boolean): Promise<number> {
    let queued = 0;
    let budget = CAMPAIGNS_PER_PASS;
    for (let round = 0; round < 10 && budget > 0; round += 1) {
      const campaigns = await dueCampaigns(deps.db, budget, deps.window, onlyNew);
      if (campaigns.length === 0) break;
      const fed = await feedCampaigns(campaigns);
      queued += fed.queued;
      budget -= campaigns.length - fed.closed;
      if (fed.closed === 0) break;
    }
    return queued;
  }

  /** Campaigns never fed yet: their first recipients, between full passes. */
  async function feedNew(): Promise<number> {
    return feedDue(true);
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
    const queued = await feedDue(false);
    const stale = await claimStaleAttempts(deps.db, deps.staleMs ?? 30_000, deps.reconcileGraceMs, batch);
    await requeue(stale);
    const completed = await completeFinishedCampaigns(deps.db, deps.onCampaignsCompleted);
    for (const id of completed) deps.logger.info({ campaignId: id }, 'campaign completed');
    const hungUp = await hangUpCancelled();
    return { queued, requeued: stale.length, completed: completed.length, hungUp };
  }

  return { feedOnce, feedNew };
}

function fairFacts(campaign: DueCampaign): FairCampaign {
  return {
    campaignId: campaign.id,
    apiKeyId: campaign.apiKeyId,
    weight: campaign.weight,
    priority: campaign.priority,
    maxCallsPerSecond: campaign.maxCallsPerSecond,
  };
}

export interface RunningFeeder {
  close(): Promise<void>;
}

/** Runs `feedOnce` every `intervalMs` until closed; a failed pass is logged and the next tries again. */
export function startFeeder(deps: FeederDeps, intervalMs: number): RunningFeeder {
  const feeder = createFeeder(deps);
  const log = deps.logger.child({ component: 'feeder' });
  const full = runPeriodically(async () => {
    try {
      const report = await feeder.feedOnce();
      recordFeederPass(report);
      if (report.queued || report.requeued || report.completed || report.hungUp) log.debug(report, 'feeder pass');
    } catch (thrown) {
      recordFeederPass('failed');
      log.warn({ err: coerceError(thrown).message }, 'feeder pass failed');
    }
  }, intervalMs);
  const fast = runPeriodically(
    async () => {
      try {
        recordFeederPass({ queued: await feeder.feedNew(), requeued: 0 });
      } catch (thrown) {
        recordFeederPass('failed');
        log.warn({ err: coerceError(thrown).message }, 'feeder pass for new campaigns failed');
      }
    },
    Math.min(intervalMs, NEW_CAMPAIGN_INTERVAL_MS),
  );
  return {
    async close() {
      await Promise.all([full.close(), fast.close()]);
    },
  };
}
