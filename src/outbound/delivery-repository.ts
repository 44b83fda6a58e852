import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { findEndpoint } from './endpoint-repository.ts';
import type { DeliveryView } from './endpoint-schema.ts';

/** Tries shown per delivery: a delivery retried for 24 h makes ~20; the latest matter. */
const TRIES_SHOWN = 50;

/**
 * An endpoint's deliveries, newest first, each with its logged tries. The cursor is the last
 * delivery's id; the page continues strictly after its (created_at, id).
 */
export async function listDeliveries(
  db: DbOrTrx,
  apiKeyId: string,
  endpointId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  await findEndpoint(db, apiKeyId, endpointId);
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
    .selectAll('d')
    .select(['ev.type', 'ev.payload'])
    .where('d.endpoint_id', '=', endpointId)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(page.limit + 1);
  if (page.cursor) {
    if (!/^[0-9a-f-]{36}$/i.test(page.cursor)) throw new AppError('validation_failed', 400, 'Invalid cursor');
    query = query.where(
      sql<boolean>`(d.created_at, d.id) < (select created_at, id from webhook_deliveries where id = ${page.cursor}::uuid)`,
    );
  }
  const rows = await query.execute();
  const shown = rows.slice(0, page.limit);
  const tries = shown.length
    ? await db
        .selectFrom('webhook_delivery_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          shown.map((row) => row.id),
        )
        .orderBy('id')
        .execute()
    : [];
  const byDelivery = new Map<string, typeof tries>();
  for (const t of tries) byDelivery.set(t.delivery_id, [...(byDelivery.get(t.delivery_id) ?? []), t]);
  return {
    items: shown.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.type as DeliveryView['eventType'],
      status: row.status,
      tries: row.tries,
      lastStatusCode: row.last_status_code,
      lastError: row.last_error,
      deliveredAt: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
      createdAt: new Date(row.created_at).toISOString(),
      attempts: (byDelivery.get(row.id) ?? []).slice(-TRIES_SHOWN).map((t) => ({
        at: new Date(t.started_at).toISOString(),
        statusCode: t.status_code,
        latencyMs: t.latency_ms,
        error: t.error,
      })),
      payload: row.payload,
    })),
    nextCursor: rows.length > page.limit ? (shown.at(-1)?.id ?? null) : null,
  };
}

/**
 * Sends a delivery again (a replay, same event id and body): back to `pending` and into the
 * outbox, under a new job id. Refused for a disabled endpoint, which would drop it at once.
 */
export async function retryDelivery(db: DbOrTrx, apiKeyId: string, endpointId: string, deliveryId: string) {
  const endpoint = await findEndpoint(db, apiKeyId, endpointId);
  if (endpoint.status !== 'enabled') {
    throw new AppError('invalid_state', 409, `Webhook endpoint ${endpointId} is disabled: ${endpoint.disabled_reason}`);
  }
  if (!/^[0-9a-f-]{36}$/i.test(deliveryId)) throw notFound('Delivery', deliveryId);
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', enqueued: false, replays: sql`replays + 1`, updated_at: sql`now()` })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .returning(['id', 'status'])
    .executeTakeFirst();
  if (!row) throw notFound('Delivery', deliveryId);
  return { id: row.id, status: row.status };
}
