import { sql } from 'kysely';
import type { E164 } from '../calls/phone-number.ts';
import type { DbOrTrx } from '../db/connect.ts';

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

export async function isSuppressed(db: DbOrTrx, apiKeyId: string, number: E164): Promise<boolean> {
  return (await suppressedAmong(db, apiKeyId, [number])).has(number);
}

/** Adds numbers; returns how many were new. Pending recipients with them are cancelled (`suppressed`). */
export async function addSuppressions(db: DbOrTrx, apiKeyId: string, numbers: readonly E164[]): Promise<number> {
  if (numbers.length === 0) return 0;
  const added = await sql<{ number: string }>`
    insert into suppressions (api_key_id, number)
    select ${apiKeyId}::uuid, n from unnest(${sql.val(numbers)}::text[]) as n
    on conflict do nothing
    returning number`.execute(db);
  await cancelPendingRecipients(db, apiKeyId, numbers);
  return added.rows.length;
}

async function cancelPendingRecipients(db: DbOrTrx, apiKeyId: string, numbers: readonly E164[]): Promise<void> {
  await db
    .updateTable('recipients')
    .set({ status: 'cancelled', final_outcome: 'suppressed' })
    .where('status', '=', 'pending')
    .where('number', '=', sql<string>`any(${sql.val(numbers)}::text[])`)
    .where('campaign_id', 'in', (qb) =>
      qb
        .selectFrom('campaigns')
        .select('id')
        .where('api_key_id', '=', apiKeyId)
        .where('status', 'in', ['running', 'paused']),
    )
    .execute();
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
