import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ParsedEvent } from './event-payload.ts';

export type StoreResult = { stored: true; attemptFound: boolean } | { stored: false; duplicate: true };

/**
 * Stores one event in a single statement, which is all the gateway waits for, and queues it
 * for the event applier (event-applier.ts), which moves the attempt right after. The unique
 * dedupe key turns a redelivery into a no-op, even one racing its original. An event naming no
 * known attempt is stored unlinked and not queued.
 */
export async function storeEvent(db: Db, attemptId: string, event: ParsedEvent): Promise<StoreResult> {
  const { rows } = await sql<{ attempt_id: string | null }>`
    with stored as (
      insert into call_events (attempt_id, call_uuid, status, event_at, dedupe_key, payload)
      select a.id, ${event.callUuid}, ${event.status}, ${event.eventAt}, ${event.dedupeKey},
             ${JSON.stringify(event.payload)}::jsonb
      from (select 1) as one
      left join call_attempts a on a.id = ${attemptId}::uuid
      on conflict (dedupe_key) do nothing
      returning id, attempt_id
    ), queued as (
      insert into call_event_queue (event_id, attempt_id)
      select id, attempt_id from stored where attempt_id is not null
    )
    select attempt_id from stored`.execute(db);
  const row = rows[0];
  return row ? { stored: true, attemptFound: row.attempt_id !== null } : { stored: false, duplicate: true };
}
