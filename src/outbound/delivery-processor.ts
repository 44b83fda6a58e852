import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/connect.ts';
import type { Logger } from '../shared/logger.ts';
import type { Sender } from './delivery-sender.ts';
import { disableEndpoint } from './endpoint-repository.ts';
import { signatureHeaders } from './signing.ts';

export interface DeliveryRules {
  /** Give up a delivery this long after its event (24 h). */
  retryMaxAgeMs: number;
  /** Disable an endpoint failing without a success for this long (3 days). */
  disableAfterMs: number;
}

export interface ProcessorDeps {
  db: Db;
  sender: Sender;
  logger: Logger;
  rules: DeliveryRules;
}

/** What one try decided: done (delivered or given up for good) or retry (the job throws, BullMQ backs off). */
export type TryOutcome = 'delivered' | 'failed' | 'retry' | 'skipped';

/**
 * One try of one delivery: sign the stored body (same webhook-id on every try), POST it, log the
 * try, then: 2xx delivered; 410 Gone disables the endpoint; anything else retries until the
 * delivery is older than `retryMaxAgeMs`, and an endpoint without a success for
 * `disableAfterMs` is disabled with that reason.
 */
export async function tryDelivery(deps: ProcessorDeps, deliveryId: string): Promise<TryOutcome> {
  const row = await loadDelivery(deps.db, deliveryId);
  if (row?.status !== 'pending') return 'skipped';
  if (row.endpoint_status !== 'enabled' || row.deleted_at) {
    await finish(deps.db, deliveryId, 'failed', 'endpoint disabled or deleted');
    return 'failed';
  }
  const body = JSON.stringify(row.payload);
  const secrets = [row.secret];
  if (row.previous_secret && row.previous_secret_until && new Date(row.previous_secret_until) > new Date()) {
    secrets.push(row.previous_secret);
  }
  const startedAt = new Date();
  const result = await deps.sender.send(row.url, signatureHeaders(secrets, row.event_id, body, startedAt), body);
  await logTry(deps.db, deliveryId, startedAt, result);
  if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
    await deps.db.transaction().execute(async (trx) => {
      await finish(trx, deliveryId, 'delivered', null);
      await trx
        .updateTable('webhook_endpoints')
        .set({ failing_since: null })
        .where('id', '=', row.endpoint_id)
        .execute();
    });
    return 'delivered';
  }
  return afterFailure(deps, row, result.statusCode, result.error);
}

function loadDelivery(db: Db, deliveryId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'd.status', 'd.created_at', 'ev.id as event_id', 'ev.payload'])
    .select(['e.id as endpoint_id', 'e.url', 'e.secret', 'e.previous_secret', 'e.previous_secret_until'])
    .select(['e.status as endpoint_status', 'e.deleted_at', 'e.failing_since'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
}

/** A failed try: 410 disables; a long failing endpoint is disabled; an old delivery is given up; else retry. */
async function afterFailure(
  deps: ProcessorDeps,
  row: { id: string; endpoint_id: string; created_at: Date },
  statusCode: number | null,
  error: string | null,
): Promise<TryOutcome> {
  const log = deps.logger.child({ deliveryId: row.id, endpointId: row.endpoint_id });
  if (statusCode === 410) {
    log.warn('webhook receiver answered 410 Gone; endpoint disabled');
    await disableEndpoint(deps.db, row.endpoint_id, 'the receiver answered 410 Gone');
    await finish(deps.db, row.id, 'failed', 'the receiver answered 410 Gone');
    return 'failed';
  }
  const failingSince = await markFailing(deps.db, row.endpoint_id);
  if (Date.now() - failingSince.getTime() >= deps.rules.disableAfterMs) {
    const days = Math.round((deps.rules.disableAfterMs / 86_400_000) * 10) / 10;
    const reason = `every delivery failed for ${days} days (since ${failingSince.toISOString()})`;
    log.warn({ reason }, 'webhook endpoint disabled');
    await disableEndpoint(deps.db, row.endpoint_id, reason);
    await finish(deps.db, row.id, 'failed', reason);
    return 'failed';
  }
  if (Date.now() - new Date(row.created_at).getTime() >= deps.rules.retryMaxAgeMs) {
    await finish(deps.db, row.id, 'failed', `gave up: still failing ${deps.rules.retryMaxAgeMs} ms after the event`);
    return 'failed';
  }
  log.debug({ statusCode, error }, 'webhook delivery try failed; will retry');
  return 'retry';
}

async function logTry(
  db: Db,
  deliveryId: string,
  startedAt: Date,
  result: { statusCode: number | null; latencyMs: number; error: string | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhook_delivery_attempts')
      .values({
        delivery_id: deliveryId,
        started_at: startedAt,
        status_code: result.statusCode,
        latency_ms: result.latencyMs,
        error: result.error ?? (result.statusCode === null ? null : httpError(result.statusCode)),
      })
      .execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({
        tries: sql`tries + 1`,
        last_status_code: result.statusCode,
        last_error: result.error ?? (result.statusCode === null ? null : httpError(result.statusCode)),
        updated_at: sql`now()`,
      })
      .where('id', '=', deliveryId)
      .execute();
  });
}

function httpError(status: number): string | null {
  return status >= 200 && status < 300 ? null : `HTTP ${status}`;
}

async function finish(db: DbOrTrx, deliveryId: string, status: 'delivered' | 'failed', reason: string | null) {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status,
      ...(status === 'delivered' ? { delivered_at: sql`now()` } : { last_error: reason }),
      updated_at: sql`now()`,
    })
    .where('id', '=', deliveryId)
    .execute();
}

async function markFailing(db: Db, endpointId: string): Promise<Date> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: sql`coalesce(failing_since, now())` })
    .where('id', '=', endpointId)
    .returning('failing_since')
    .executeTakeFirst();
  return row?.failing_since ? new Date(row.failing_since) : new Date();
}
