import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

// Keys per delete statement; walks idempotency_keys_by_age (migration 0002) from the oldest.
const IDEMPOTENCY_PRUNE_BATCH_ROWS = 2_000;

/**
 * Deletes one batch of idempotency keys created more than `retentionDays` ago; returns how many.
 * A retry comes within minutes, so a week-old key only answers a client that has long moved on.
 * A key still being claimed (no answer yet) belongs to an open transaction and is never that old.
 */
export async function pruneIdempotencyBatch(
  db: Db,
  retentionDays: number,
  batchRows: number = IDEMPOTENCY_PRUNE_BATCH_ROWS,
): Promise<number> {
  const { rows } = await sql<{ deleted: number }>`
    with old as (
      select api_key_id, key from idempotency_keys
      where created_at < now() - make_interval(days => ${retentionDays})
      order by created_at
      limit ${batchRows}
      for update skip locked
    ), gone as (
      delete from idempotency_keys k using old
      where k.api_key_id = old.api_key_id and k.key = old.key
      returning 1
    )
    select count(*)::int as deleted from gone`.execute(db);
  return rows[0]?.deleted ?? 0;
}
