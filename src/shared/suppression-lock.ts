import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';

/**
 * Orders "a number joins an API key's suppression list" against "a request for that key leaves":
 * the worker's last check before sending holds this lock shared, `addSuppressions` exclusive, so
 * a confirmation either commits before the suppression starts or sees the committed numbers.
 * Two-key advisory locks (class, key) live apart from the one-key locks of the feeder and
 * campaign control; the class number only has to be unique among callcast's two-key locks.
 */
const SUPPRESSION_LOCK_CLASS = 7_011;

export async function shareSuppressionLock(trx: Trx, apiKeyId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(${SUPPRESSION_LOCK_CLASS}, hashtext(${apiKeyId}))`.execute(trx);
}

export async function lockSuppressionsOf(trx: Trx, apiKeyId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${SUPPRESSION_LOCK_CLASS}, hashtext(${apiKeyId}))`.execute(trx);
}
