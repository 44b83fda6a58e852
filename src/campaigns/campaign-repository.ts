import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import type { Campaign, CampaignStatus, NewCampaign, RecipientStatus } from '../db/database.ts';
import { notFound } from '../shared/errors.ts';

/** Campaign rows, always scoped to the API key that owns them: another key's id is "not found". */

export async function insertCampaign(db: DbOrTrx, values: NewCampaign): Promise<Campaign> {
  return db.insertInto('campaigns').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findCampaign(db: DbOrTrx, apiKeyId: string, id: string): Promise<Campaign> {
  const row = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', id)
    .where('api_key_id', '=', apiKeyId)
    .executeTakeFirst();
  if (!row) throw notFound('Campaign', id);
  return row;
}

/**
 * Locks the campaign row against concurrent status changes and uploads until the transaction
 * ends (`for no key update` still lets other transactions insert recipients referencing it).
 */
export async function lockCampaign(db: DbOrTrx, apiKeyId: string, id: string): Promise<Campaign> {
  const row = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', id)
    .where('api_key_id', '=', apiKeyId)
    .forNoKeyUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Campaign', id);
  return row;
}

export async function setCampaignStatus(db: DbOrTrx, id: string, status: CampaignStatus): Promise<Campaign> {
  return db
    .updateTable('campaigns')
    .set({ status, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type RecipientCounts = Record<RecipientStatus, number>;

export async function countRecipientsByStatus(db: DbOrTrx, campaignId: string): Promise<RecipientCounts> {
  // The trigger-kept counters (migration 0004): at most 16 shards per status, whatever the list size.
  const rows = await db
    .selectFrom('campaign_recipient_counters')
    .select(['status', sql<number>`sum(recipients)::int`.as('count')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
  const counts: RecipientCounts = { pending: 0, queued: 0, done: 0, cancelled: 0 };
  // Counter rows carry the status as text; only the recipient statuses are ever written there.
  for (const row of rows) counts[row.status as RecipientStatus] = row.count;
  return counts;
}

/**
 * A page of the key's campaigns, newest first. The cursor is the last campaign's id; the page
 * continues strictly after its (created_at, id), so equal timestamps never repeat or skip rows.
 */
export async function listCampaigns(
  db: DbOrTrx,
  apiKeyId: string,
  page: { limit: number; afterId?: string },
): Promise<{ items: Campaign[]; hasMore: boolean }> {
  let query = db
    .selectFrom('campaigns')
    .selectAll()
    .where('api_key_id', '=', apiKeyId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.afterId !== undefined) {
    const afterId = page.afterId;
    query = query.where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('created_at', 'id'),
        '<',
        selectFrom('campaigns as c')
          .select(['c.created_at', 'c.id'])
          .where('c.id', '=', afterId)
          .where('c.api_key_id', '=', apiKeyId)
          .$asTuple('created_at', 'id'),
      ),
    );
  }
  const rows = await query.execute();
  return { items: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}
