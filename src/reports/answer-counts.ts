import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import { type AnswerCounts, toCounts } from '../shared/call-responses.ts';

/**
 * Answers of a campaign's calls, per label (each attempt counted once, by its latest answer).
 * Reads the partial index on (campaign_id, answer_label): only answered attempts are visited.
 */
export async function campaignAnswerCounts(db: DbOrTrx, campaignId: string): Promise<AnswerCounts> {
  const rows = await db
    .selectFrom('call_attempts')
    .select(['answer_label', sql<string>`count(*)`.as('n')])
    .where('campaign_id', '=', campaignId)
    .where('answer_label', 'is not', null)
    .groupBy('answer_label')
    .execute();
  return toCounts(rows);
}
