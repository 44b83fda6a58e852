import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ParsedEvent } from './event-payload.ts';

export type StoreResult = { stored: true; attemptFound: boolean } | { stored: false; duplicate: true };

/**
 * Stores one event in a single statement, which is all the gateway waits for: the event
 * applier (event-applier.ts) moves the attempt right after. The unique dedupe key turns a
 * redelivery into a no-op, even one racing its original. An event naming no known attempt is
 * stored unlinked and marked applied, so it never waits in the applier's queue.
 */
export async function storeEvent(db: Db, attemptId: string, event: ParsedEvent): Promise<StoreResult> {
  const { rows } = await sql<{ attempt_id: string | null }>`
    insert into call_events (attempt_id, call_uuid, status, event_at, dedupe_key, payload, applied_at)
    select a.id, ${event.callUuid}, ${event.status}, ${event.eventAt}, ${event.dedupeKey},
           ${JSON.stringify(event.payload)}::jsonb, case when a.id is null then now() end
    from (select 1) as one
    left join call_attempts a on a.id = ${attemptId}::uuid
    on conflict (dedupe_key) do nothing
    returning attempt_id`.execute(db);
  const row = rows[0];
  return row ? { stored: true, attemptFound: row.attempt_id !== null } : { stored: false, duplicate: true };
}
