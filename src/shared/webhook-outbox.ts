import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';

/**
 * The transactional outbox of outbound webhooks (issue 13): an event is written in the same
 * transaction as the change that causes it, so a committed change always has its event and a
 * rolled-back one never does. The delivery relay (outbound/) moves written deliveries into
 * BullMQ afterwards. A leaf: calls/, dispatch/ and webhooks/ may write events without knowing
 * anything about endpoints or delivery.
 */

export const OUTBOUND_EVENT_TYPES = [
  'call.completed',
  'call.answered_input',
  'call.recording_available',
  'campaign.completed',
  'reminder.run.completed',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

export interface OutboundEvent {
  /** The key whose endpoints receive it. */
  apiKeyId: string;
  type: OutboundEventType;
  data: Record<string, unknown>;
}

/**
 * Writes the events and one pending delivery per enabled endpoint of the key that subscribed to
 * the type. An event no endpoint wants is not written at all (a million-call campaign without
 * endpoints costs nothing). The event id is the stable `webhook-id` of every try and replay.
 */
export async function writeOutboundEvents(trx: Trx, events: readonly OutboundEvent[]): Promise<number> {
  let written = 0;
  for (const event of events) {
    const id = randomUUID();
    const payload = { id, type: event.type, timestamp: new Date().toISOString(), data: event.data };
    const { rows } = await sql<{ n: string }>`
      with targets as (
        select e.id from webhook_endpoints e
        where e.api_key_id = ${event.apiKeyId}::uuid and e.status = 'enabled' and e.deleted_at is null
          and ${event.type}::text = any(e.event_types)
      ), stored as (
        insert into webhook_events (id, api_key_id, type, payload)
        select ${id}::uuid, ${event.apiKeyId}::uuid, ${event.type}, ${JSON.stringify(payload)}::jsonb
        where exists (select 1 from targets)
        returning id
      ), deliveries as (
        insert into webhook_deliveries (event_id, endpoint_id)
        select stored.id, targets.id from stored cross join targets
        returning id
      )
      select count(*)::text as n from deliveries`.execute(trx);
    written += Number(rows[0]?.n ?? 0);
  }
  return written;
}
