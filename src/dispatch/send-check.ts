import { sql } from 'kysely';
import type { Db, Trx } from '../db/connect.ts';
import { shareSuppressionLock } from '../shared/suppression-lock.ts';

/**
 * Why the check as the request leaves refused: `lost` – another process re-claimed the attempt
 * for a redial; `paused` / `cancelled` – its campaign (or reminder) stopped; `suppressed` – its
 * number joined the owner's do-not-call list.
 */
export type SendRefusal = 'lost' | 'paused' | 'cancelled' | 'suppressed';

/**
 * Called as the request leaves, after the limiter's wait (seconds, or a whole Redis outage):
 * moves `dial_started_at` to now, so reconciliation's grace counts from the real send, but only
 * while the claim is still ours, the campaign is `running` (the reminder `active`) and the number
 * is not suppressed for the owner's key. Otherwise the request must not be sent, and the reason
 * says how to settle the attempt.
 *
 * Race with pause/cancel/suppress: the campaign (reminder) row is read `for share`, which waits
 * for a control transaction that has updated it and then re-reads the committed row; the
 * suppression lock orders us against `addSuppressions`. So once a stop commits, no later
 * confirmation succeeds.
 */
export async function confirmSend(
  db: Db,
  attemptId: string,
  claimedAt: Date,
): Promise<{ sent: true } | { sent: false; refusal: SendRefusal }> {
  return db.transaction().execute(async (trx) => {
    const owner = await ownerOf(trx, attemptId);
    if (!owner) return { sent: false, refusal: 'lost' };
    await shareSuppressionLock(trx, owner.apiKeyId);
    const result = await sql`
      update call_attempts a set dial_started_at = now(), updated_at = now()
      where a.id = ${attemptId} and a.status = 'dialing' and a.call_uuid is null
        and abs(extract(epoch from a.dial_started_at) * 1000 - ${claimedAt.getTime()}) < 1
        and (a.campaign_id is null or exists (
          select 1 from campaigns c where c.id = a.campaign_id and c.status = 'running' for share))
        and (a.reminder_id is null or exists (
          select 1 from reminders r where r.id = a.reminder_id and r.status = 'active' for share))
        and not exists (
          select 1 from suppressions s where s.api_key_id = ${owner.apiKeyId} and s.number = a.to_number)`.execute(trx);
    if (result.numAffectedRows === 1n) return { sent: true };
    return { sent: false, refusal: await refusalOf(trx, attemptId, owner.apiKeyId, claimedAt) };
  });
}

async function ownerOf(trx: Trx, attemptId: string): Promise<{ apiKeyId: string } | undefined> {
  const row = await trx
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('reminders as r', 'r.id', 'a.reminder_id')
    .select(sql<string | null>`coalesce(c.api_key_id, r.api_key_id)`.as('api_key_id'))
    .where('a.id', '=', attemptId)
    .executeTakeFirst();
  return row?.api_key_id ? { apiKeyId: row.api_key_id } : undefined;
}

/** Why the confirmation found nothing to update, read in the same transaction. */
async function refusalOf(trx: Trx, attemptId: string, apiKeyId: string, claimedAt: Date): Promise<SendRefusal> {
  const row = await trx
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('reminders as r', 'r.id', 'a.reminder_id')
    .select(['a.status', 'a.call_uuid', 'c.status as campaign_status', 'r.status as reminder_status', 'a.to_number'])
    .select(sql<boolean>`abs(extract(epoch from a.dial_started_at) * 1000 - ${claimedAt.getTime()}) < 1`.as('ours'))
    .where('a.id', '=', attemptId)
    .executeTakeFirst();
  if (row?.status !== 'dialing' || row.call_uuid !== null || !row.ours) return 'lost';
  if (row.campaign_status === 'paused') return 'paused';
  if (row.campaign_status && row.campaign_status !== 'running') return 'cancelled';
  if (row.reminder_status && row.reminder_status !== 'active') return 'cancelled';
  const suppressed = await trx
    .selectFrom('suppressions')
    .select('number')
    .where('api_key_id', '=', apiKeyId)
    .where('number', '=', row.to_number)
    .executeTakeFirst();
  return suppressed ? 'suppressed' : 'lost';
}
