// Size: the feeder's SQL (fair round robin, claims under advisory locks, stale-attempt scan), kept
// together because the statements share their locking rules.
import { type RawBuilder, sql } from 'kysely';
import type { Db, DbOrTrx, Trx } from '../db/connect.ts';
import type { CallWindowJson } from '../db/database.ts';

/** A campaign the feeder may feed, with what the fair-share scheduler needs to know of it. */
export interface DueCampaign {
  id: string;
  apiKeyId: string;
  weight: number;
  priority: number;
  maxCallsPerSecond: number | null;
  callWindow: CallWindowJson | null;
  timezone: string;
}

/**
 * Running campaigns whose start time has come, that have a due pending recipient and room in
 * their window (fewer than `window` queued attempts), least recently fed first. Full campaigns
 * and campaigns whose calling window is closed (`feed_after`) take no place in the pass, and
 * `fed_at` rotates the rest: however many run, each due one is fed within
 * ceil(candidates / limit) passes. `onlyNew` keeps campaigns never fed (the fast lane).
 */
export async function dueCampaigns(
  db: DbOrTrx,
  limit: number,
  window: number,
  onlyNew = false,
): Promise<DueCampaign[]> {
  const rows = await sql<{
    id: string;
    api_key_id: string;
    weight: number;
    priority: number;
    max_calls_per_second: number | null;
    call_window: CallWindowJson | null;
    timezone: string;
  }>`
    select c.id, c.api_key_id, k.weight, c.priority, c.max_calls_per_second, c.call_window, c.timezone
    from campaigns c join api_keys k on k.id = c.api_key_id
    where c.status = 'running' and c.start_at <= now()
      and (c.feed_after is null or c.feed_after <= now())
      and (${onlyNew} = false or c.fed_at is null)
      and exists (
        select 1 from recipients r
        where r.campaign_id = c.id and r.status = 'pending'
          and (r.next_attempt_at is null or r.next_attempt_at <= now()))
      and (select count(*) from (
        select 1 from call_attempts a where a.campaign_id = c.id and a.status = 'queued' limit ${window}) q) < ${window}
    order by c.fed_at nulls first, c.start_at
    limit ${limit}`.execute(db);
  return rows.rows.map((row) => ({
    id: row.id,
    apiKeyId: row.api_key_id,
    weight: row.weight,
    priority: row.priority,
    maxCallsPerSecond: row.max_calls_per_second,
    callWindow: row.call_window,
    timezone: row.timezone,
  }));
}

/**
 * Stamps campaigns as looked at (the round robin), and those whose window is closed with when
 * it opens. Rows locked by an upload are skipped, not waited for: they keep their place.
 */
export async function markFed(
  db: DbOrTrx,
  ids: readonly string[],
  feedAfter: ReadonlyMap<string, Date>,
): Promise<void> {
  if (ids.length === 0) return;
  const after = ids.map((id) => feedAfter.get(id)?.toISOString() ?? null);
  await sql`
    update campaigns c set fed_at = now(), feed_after = v.after
    from (select * from unnest(${ids}::uuid[], ${after}::timestamptz[]) as t(id, after)) v
    where c.id = v.id
      and c.id in (select id from campaigns where id = any(${ids}::uuid[]) for no key update skip locked)`.execute(db);
}

/** Whether a campaign has a pending recipient with a zone of its own (its window differs). */
export async function hasOwnZones(db: DbOrTrx, campaignId: string): Promise<boolean> {
  const row = await sql<{ one: number }>`
    select 1 as one from recipients
    where campaign_id = ${campaignId} and status = 'pending' and timezone is not null limit 1`.execute(db);
  return row.rows.length > 0;
}

/** The fair-share facts of campaigns (for attempts offered again after a loss). */
export async function campaignsForOffer(db: DbOrTrx, ids: readonly string[]): Promise<DueCampaign[]> {
  if (ids.length === 0) return [];
  const rows = await sql<{
    id: string;
    api_key_id: string;
    weight: number;
    priority: number;
    max_calls_per_second: number | null;
    call_window: CallWindowJson | null;
    timezone: string;
  }>`
    select c.id, c.api_key_id, k.weight, c.priority, c.max_calls_per_second, c.call_window, c.timezone
    from campaigns c join api_keys k on k.id = c.api_key_id
    where c.id = any(${ids}::uuid[])`.execute(db);
  return rows.rows.map((row) => ({
    id: row.id,
    apiKeyId: row.api_key_id,
    weight: row.weight,
    priority: row.priority,
    maxCallsPerSecond: row.max_calls_per_second,
    callWindow: row.call_window,
    timezone: row.timezone,
  }));
}

/**
 * Turns up to `room` due recipients of one campaign into queued attempts, in one transaction.
 * A per-campaign advisory lock makes the window count exact when several feeders run; `skip
 * locked` lets them share recipients without waiting. Returns the new attempt ids (commit
 * before enqueueing: a job must never name an attempt that does not exist).
 */
export async function queueDueRecipients(db: Db, campaignId: string, window: number, batch: number): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const locked = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${campaignId})) as ok`.execute(
      trx,
    );
    if (!locked.rows[0]?.ok) return [];
    // The campaign list was read before the lock; a pause or cancel (which takes the same lock)
    // may have committed since. This statement's snapshot is newer than the lock.
    const campaign = await trx.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirst();
    if (campaign?.status !== 'running') return [];
    const waiting = await trx
      .selectFrom('call_attempts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    const room = Math.min(batch, window - Number(waiting.n));
    if (room <= 0) return [];
    const created = await sql<{ id: string }>`
      with due as (
        select r.id, r.number, r.attempt_count
        from recipients r
        where r.campaign_id = ${campaignId} and r.status = 'pending'
          and (r.next_attempt_at is null or r.next_attempt_at <= now())
        order by r.next_attempt_at nulls first, r.id
        limit ${room}
        for update skip locked
      ), marked as (
        update recipients r set status = 'queued' from due where r.id = due.id returning r.id
      )
      insert into call_attempts (campaign_id, recipient_id, attempt_no, to_number, status)
      select ${campaignId}, due.id,
             -- attempt_count+1, unless an earlier attempt already took that number
             greatest(due.attempt_count, coalesce((select max(a.attempt_no) from call_attempts a where a.recipient_id = due.id), 0)) + 1,
             due.number, 'queued'
      from due join marked on marked.id = due.id
      returning id`.execute(trx);
    return created.rows.map((row) => row.id);
  });
}

/**
 * Campaign attempts whose job may be missing from Redis: `queued` for longer than `staleMs`
 * (a crash between commit and enqueue, or Redis lost its data), or left in `dialing` without a
 * uuid past the reconcile grace (their job went with it). Touches them so the next pass looks
 * at others: re-adding is idempotent by jobId, so the cost of a false positive is one no-op add.
 */
export async function claimStaleAttempts(
  db: Db,
  staleMs: number,
  graceMs: number,
  limit: number,
): Promise<Array<{ id: string; campaignId: string | null }>> {
  const rows = await sql<{ id: string; campaign_id: string | null }>`
    with stale as (
      (select id from call_attempts
        where status = 'queued' and campaign_id is not null
          and updated_at < now() - make_interval(secs => ${staleMs / 1000})
        order by updated_at limit ${limit})
      union
      (select id from call_attempts
        where status = 'dialing' and call_uuid is null
          and dial_started_at < now() - make_interval(secs => ${graceMs / 1000})
          and updated_at < now() - make_interval(secs => ${staleMs / 1000})
        order by dial_started_at limit ${limit})
    )
    update call_attempts a set updated_at = now() from stale where a.id = stale.id
    returning a.id, a.campaign_id`.execute(db);
  return rows.rows.map((row) => ({ id: row.id, campaignId: row.campaign_id }));
}

/**
 * Running campaigns with nothing left to do become `completed`; returns their ids. Candidates are
 * locked first and checked again in a second statement, whose snapshot is taken after the locks.
 * A single `update … where not exists (…)` would wait on the row lock of an upload adding
 * recipients, then judge the subqueries by its old snapshot and complete a campaign whose new
 * recipients would never be dialed. A campaign locked by an upload is skipped until next pass.
 */
/** Runs inside the completing transaction with the completed ids (the `campaign.completed` outbox write). */
export type CampaignsCompleted = (trx: Trx, campaignIds: readonly string[]) => Promise<void>;

export async function completeFinishedCampaigns(db: Db, onCompleted?: CampaignsCompleted): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const candidates = await sql<{ id: string }>`
      select c.id from campaigns c
      where ${finished(sql`c`)}
      for no key update skip locked`.execute(trx);
    if (candidates.rows.length === 0) return [];
    const ids = candidates.rows.map((row) => row.id);
    const rows = await sql<{ id: string }>`
      update campaigns c set status = 'completed', completed_at = now(), updated_at = now()
      where c.id = any(${ids}::uuid[]) and ${finished(sql`c`)}
      returning c.id`.execute(trx);
    const completed = rows.rows.map((row) => row.id);
    if (completed.length > 0) await onCompleted?.(trx, completed);
    return completed;
  });
}

function finished(c: RawBuilder<unknown>) {
  return sql<boolean>`${c}.status = 'running' and ${c}.start_at <= now()
    and exists (select 1 from recipients r where r.campaign_id = ${c}.id)
    and not exists (select 1 from recipients r where r.campaign_id = ${c}.id and r.status in ('pending', 'queued'))
    and not exists (select 1 from call_attempts a where a.campaign_id = ${c}.id and a.status <> 'ended')`;
}

/** Calls still live in cancelled campaigns: to be hung up. */
export async function liveCallsOfCancelledCampaigns(db: DbOrTrx, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('call_attempts as a')
    .innerJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .select('a.call_uuid')
    .where('c.status', '=', 'cancelled')
    .where('a.status', 'in', ['started', 'ringing', 'answered'])
    .where('a.call_uuid', 'is not', null)
    .limit(limit)
    .execute();
  return rows.map((row) => row.call_uuid as string);
}
