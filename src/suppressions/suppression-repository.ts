import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db/connect.ts';
import type { E164 } from '../shared/phone-number.ts';
import { lockSuppressionsOf } from '../shared/suppression-lock.ts';

/**
 * The do-not-call list, one per API key. Intake rejects listed numbers (`suppressed_number`);
 * adding a number also cancels its recipients that are still pending in the key's open campaigns.
 */

/** Which of `numbers` are suppressed for this key. */
export async function suppressedAmong(db: DbOrTrx, apiKeyId: string, numbers: readonly string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const rows = await db
    .selectFrom('suppressions')
    .select('number')
    .where('api_key_id', '=', apiKeyId)
    .where('number', '=', sql<string>`any(${sql.val(numbers)}::text[])`)
    .execute();
  return new Set(rows.map((row) => row.number));
}

export async function isSuppressed(db: DbOrTrx, apiKeyId: string, number: E164 | string): Promise<boolean> {
  return (await suppressedAmong(db, apiKeyId, [number])).has(number);
}

/**
 * Is `number` suppressed by the campaign's owner? Used when an attempt ends, so a suppressed
 * number is never retried; the worker's own last check runs in SQL as the request leaves
 * (`confirmClaimAtSend`).
 */
export async function isSuppressedForCampaign(
  db: DbOrTrx,
  campaignId: string,
  number: E164 | string,
): Promise<boolean> {
  const row = await db
    .selectFrom('suppressions as s')
    .innerJoin('campaigns as c', 'c.api_key_id', 's.api_key_id')
    .select('s.number')
    .where('c.id', '=', campaignId)
    .where('s.number', '=', number)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Adds numbers; returns how many were new and the never-dialed attempts withdrawn for them (the
 * caller removes their jobs after the commit). Recipients with these numbers that are pending or
 * queued in the key's open campaigns are cancelled with final_outcome `suppressed`; a call already
 * under way is not stopped, but one claimed and still waiting to be sent is: the worker's check
 * as the request leaves (dispatch/send-check.ts) sees the number once this commits.
 */
export async function addSuppressions(
  trx: Trx,
  apiKeyId: string,
  numbers: readonly E164[],
): Promise<{ added: number; withdrawnAttempts: string[] }> {
  if (numbers.length === 0) return { added: 0, withdrawnAttempts: [] };
  // Until this commits, no worker confirms a send for this key (its last check waits, then sees the numbers).
  await lockSuppressionsOf(trx, apiKeyId);
  // The feeder queues each campaign's batches under the campaign's advisory lock (as pause waits
  // for it): a batch in flight commits first, and the statements below, each with a snapshot
  // taken after it, withdraw what it queued. Ordered by id so two suppressions never deadlock.
  await sql`
    select pg_advisory_xact_lock(hashtext(id::text)) from (
      select id from campaigns where api_key_id = ${apiKeyId} and status in ('running', 'paused') order by id
    ) as open_campaigns`.execute(trx);
  const added = await sql<{ number: string }>`
    insert into suppressions (api_key_id, number)
    select ${apiKeyId}::uuid, n from unnest(${sql.val(numbers)}::text[]) as n
    on conflict do nothing
    returning number`.execute(trx);
  const withdrawn = await trx
    .deleteFrom('call_attempts')
    .where('status', '=', 'queued')
    .where('to_number', '=', sql<string>`any(${sql.val(numbers)}::text[])`)
    .where('campaign_id', 'in', openCampaignsOf(trx, apiKeyId))
    .returning('id')
    .execute();
  await trx
    .updateTable('recipients')
    .set({ status: 'cancelled', final_outcome: 'suppressed' })
    .where('status', 'in', ['pending', 'queued'])
    .where('number', '=', sql<string>`any(${sql.val(numbers)}::text[])`)
    .where('campaign_id', 'in', openCampaignsOf(trx, apiKeyId))
    // A queued recipient whose attempt is already dialing keeps its status; the worker's last check
    // (or the end of the call, which never retries a suppressed number) settles it.
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('call_attempts as a')
            .select('a.id')
            .whereRef('a.recipient_id', '=', 'recipients.id')
            .where('a.status', '<>', 'ended'),
        ),
      ),
    )
    .execute();
  return { added: added.rows.length, withdrawnAttempts: withdrawn.map((row) => row.id) };
}

function openCampaignsOf(trx: Trx, apiKeyId: string) {
  return trx
    .selectFrom('campaigns')
    .select('id')
    .where('api_key_id', '=', apiKeyId)
    .where('status', 'in', ['running', 'paused']);
}

/** Removes numbers; returns how many were on the list. */
export async function removeSuppressions(db: DbOrTrx, apiKeyId: string, numbers: readonly E164[]): Promise<number> {
  if (numbers.length === 0) return 0;
  const removed = await db
    .deleteFrom('suppressions')
    .where('api_key_id', '=', apiKeyId)
    .where('number', '=', sql<string>`any(${sql.val(numbers)}::text[])`)
    .returning('number')
    .execute();
  return removed.length;
}

export interface SuppressionPage {
  items: Array<{ number: string; createdAt: Date }>;
  hasMore: boolean;
}

/**
 * One page of the key's list, ordered by number. `startsWith` narrows it to numbers with that
 * prefix (digits after an optional +); `afterNumber` continues after the previous page's last.
 */
export async function listSuppressions(
  db: DbOrTrx,
  apiKeyId: string,
  page: { limit: number; afterNumber?: string; startsWith?: string },
): Promise<SuppressionPage> {
  let query = db
    .selectFrom('suppressions')
    .select(['number', 'created_at'])
    .where('api_key_id', '=', apiKeyId)
    .orderBy('number')
    .limit(page.limit + 1);
  if (page.afterNumber !== undefined) query = query.where('number', '>', page.afterNumber);
  if (page.startsWith !== undefined) query = query.where('number', 'like', `${page.startsWith}%`);
  const rows = await query.execute();
  return {
    items: rows.slice(0, page.limit).map((row) => ({ number: row.number, createdAt: row.created_at })),
    hasMore: rows.length > page.limit,
  };
}
