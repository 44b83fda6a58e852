import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import type { WebhookEndpoint } from '../db/result-tables.ts';
import { notFound } from '../shared/errors.ts';
import type { EndpointView } from './endpoint-schema.ts';

/** Webhook endpoint rows, always scoped to the key that owns them: another key's id is a 404. */

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);

export function toEndpointView(row: WebhookEndpoint): EndpointView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types as EndpointView['eventTypes'],
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    failingSince: iso(row.failing_since),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function findEndpoint(db: DbOrTrx, apiKeyId: string, id: string): Promise<WebhookEndpoint> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('api_key_id', '=', apiKeyId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint', id);
  return row;
}

/** A page of the key's endpoints, newest first, continuing strictly after `afterId`. */
export async function listEndpoints(db: DbOrTrx, apiKeyId: string, limit: number, afterId?: string) {
  let query = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('api_key_id', '=', apiKeyId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (afterId) {
    query = query.where(
      sql<boolean>`(created_at, id) < (select created_at, id from webhook_endpoints where id = ${afterId}::uuid and api_key_id = ${apiKeyId}::uuid)`,
    );
  }
  const rows = await query.execute();
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Disables an endpoint with its reason (410 Gone, failing too long); its pending deliveries stop at their next try. */
export async function disableEndpoint(db: DbOrTrx, id: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ status: 'disabled', disabled_reason: reason, disabled_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'enabled')
    .execute();
}
