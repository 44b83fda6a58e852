import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

/**
 * Retention of raw webhook events. What an event meant already lives on its attempt (and so in
 * the reports), so rows in call_events older than the retention age only cost disk and index.
 *
 * Why batches by id and not partitions: the receiver's dedupe is `on conflict (dedupe_key)`, and a
 * unique index on a partitioned table must contain the partition key. A time key taken from the
 * event would leave dedupe exact only if every redelivery mapped to the same partition (it does
 * not for events without a usable timestamp), and the applier's and reconcile's lookups by event
 * id / attempt id would probe every partition. So the table stays one table and retention walks
 * its primary key from the oldest id: ids rise with `received_at`, so the lowest ids are the
 * oldest rows, each batch is an index range scan plus a delete of at most `batchRows` rows in its
 * own short transaction, and no index is added to the insert path.
 */

// Rows per delete statement: a few ms of work, short row locks, WAL in small steps.
const EVENT_PRUNE_BATCH_ROWS = 2_000;

/**
 * Deletes one batch of events received more than `retentionDays` ago; returns how many it
 * deleted. 0 means nothing old is left at the head of the table (call again later). Several
 * processes may call it at once: a transaction-scoped advisory lock lets one work, the rest return 0.
 */
export async function pruneEventBatch(
  db: Db,
  retentionDays: number,
  batchRows: number = EVENT_PRUNE_BATCH_ROWS,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows: locked } = await sql<{ ok: boolean }>`
      select pg_try_advisory_xact_lock(hashtext('callcast:prune call_events')) as ok`.execute(trx);
    if (!locked[0]?.ok) return 0;
    // The oldest `batchRows` ids; of those, the ones old enough. Rows received a little out of id
    // order (concurrent inserts) wait for the next pass rather than making the scan go further.
    const { rows } = await sql<{ deleted: number }>`
      with head as (
        select id from call_events order by id limit ${batchRows}
      ), gone as (
        delete from call_events e using head
        where e.id = head.id and e.received_at < now() - make_interval(days => ${retentionDays})
        returning 1
      )
      select count(*)::int as deleted from gone`.execute(trx);
    return rows[0]?.deleted ?? 0;
  });
}
