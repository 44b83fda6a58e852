import { sql } from 'kysely';
import type { Db, Trx } from '../db/connect.ts';
import type { Campaign, CampaignStatus } from '../db/database.ts';
import type { CallQueue } from '../queue/queue.ts';
import { removeCallJobs } from '../queue/queue.ts';
import { AppError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { lockCampaign, setCampaignStatus } from './campaign-repository.ts';

export type CampaignAction = 'pause' | 'resume' | 'cancel';

/**
 * What each action may start from and where it leads. Repeating an action is a no-op success
 * (a client retrying "pause" must not get an error); leaving a terminal status is `invalid_state`.
 */
const TRANSITIONS: Record<CampaignAction, { from: readonly CampaignStatus[]; to: CampaignStatus }> = {
  pause: { from: ['running', 'paused'], to: 'paused' },
  resume: { from: ['paused', 'running'], to: 'running' },
  cancel: { from: ['running', 'paused', 'cancelled'], to: 'cancelled' },
};

export function canApply(action: CampaignAction, status: CampaignStatus): boolean {
  return TRANSITIONS[action].from.includes(status);
}

export interface ControlDeps {
  db: Db;
  queue: CallQueue;
  logger: Logger;
}

/**
 * Pauses, resumes or cancels a campaign. Pause and cancel delete the attempts still `queued`
 * (never dialed) so no worker dials them, then remove their jobs after the commit; a worker
 * that already holds such a job fails to claim the deleted attempt and drops it.
 */
export async function changeCampaignStatus(
  deps: ControlDeps,
  apiKeyId: string,
  id: string,
  action: CampaignAction,
): Promise<Campaign> {
  const { campaign, releasedAttempts } = await deps.db.transaction().execute(async (trx) => {
    // The feeder queues each campaign's batches under this advisory lock: waiting for it here
    // means a batch in flight is committed (and so withdrawn below) before the status changes.
    if (action !== 'resume') await sql`select pg_advisory_xact_lock(hashtext(${id}))`.execute(trx);
    const current = await lockCampaign(trx, apiKeyId, id);
    if (!canApply(action, current.status)) {
      throw new AppError('invalid_state', 409, `Cannot ${action} a ${current.status} campaign`, {
        details: { status: current.status, action },
      });
    }
    const updated = await setCampaignStatus(trx, id, TRANSITIONS[action].to);
    const released = action === 'resume' ? [] : await releaseQueuedAttempts(trx, id, action);
    return { campaign: updated, releasedAttempts: released };
  });
  if (releasedAttempts.length > 0) await removeJobs(deps, id, releasedAttempts);
  return campaign;
}

/**
 * Deletes the campaign's never-dialed attempts. On pause their recipients go back to pending;
 * on cancel every pending or queued recipient is cancelled. `attempt_count` stays: the worker
 * counts an attempt when it claims it (queued → dialing), so a queued one was never counted.
 */
async function releaseQueuedAttempts(trx: Trx, campaignId: string, action: 'pause' | 'cancel'): Promise<string[]> {
  const deleted = await trx
    .deleteFrom('call_attempts')
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'queued')
    .returning(['id', 'recipient_id'])
    .execute();
  const recipientIds = deleted.flatMap((row) => (row.recipient_id ? [row.recipient_id] : []));
  if (action === 'pause' && recipientIds.length > 0) {
    await trx
      .updateTable('recipients')
      .set({ status: 'pending' })
      .where('id', 'in', recipientIds)
      .where('status', '=', 'queued')
      .execute();
  }
  if (action === 'cancel') {
    await trx
      .updateTable('recipients')
      .set({ status: 'cancelled' })
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', ['pending', 'queued'])
      .execute();
  }
  return deleted.map((row) => row.id);
}

// The attempts are already gone from Postgres, so a job left behind in Redis is harmless
// (its claim fails); a Redis hiccup here must not turn a committed pause into an error.
async function removeJobs(deps: ControlDeps, campaignId: string, attemptIds: string[]): Promise<void> {
  try {
    const removed = await removeCallJobs(deps.queue, attemptIds);
    deps.logger.info({ campaignId, attempts: attemptIds.length, removed }, 'queued call jobs removed');
  } catch (err) {
    deps.logger.warn({ campaignId, err }, 'could not remove queued call jobs; workers will drop them');
  }
}
