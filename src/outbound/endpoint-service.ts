import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { OUTBOUND_EVENT_TYPES } from '../shared/webhook-outbox.ts';
import { findEndpoint, toEndpointView } from './endpoint-repository.ts';
import type { CreateEndpointInput } from './endpoint-schema.ts';
import { newSigningSecret } from './signing.ts';
import { checkTarget } from './target-check.ts';

/** How long the old secret still signs deliveries after a rotation, so receivers can switch over. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface EndpointDeps {
  db: Db;
  allowPrivateTargets: boolean;
}

/** Creates an endpoint after the SSRF check; the answer is the only place its secret is shown. */
export async function createEndpoint(deps: EndpointDeps, apiKeyId: string, input: CreateEndpointInput) {
  const url = await checkTarget(input.url, deps.allowPrivateTargets);
  const secret = newSigningSecret();
  const row = await deps.db
    .insertInto('webhook_endpoints')
    .values({
      api_key_id: apiKeyId,
      url: url.toString(),
      event_types: input.eventTypes ?? [...OUTBOUND_EVENT_TYPES],
      description: input.description ?? null,
      secret,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...toEndpointView(row), secret };
}

/** Deletes an endpoint: it receives nothing more (its pending deliveries end as failed at their next try). */
export async function deleteEndpoint(db: Db, apiKeyId: string, id: string): Promise<void> {
  await findEndpoint(db, apiKeyId, id);
  await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** A new secret, shown once; the old one keeps signing (a second signature) for 24 h. */
export async function rotateSecret(db: Db, apiKeyId: string, id: string) {
  const current = await findEndpoint(db, apiKeyId, id);
  const secret = newSigningSecret();
  const until = new Date(Date.now() + ROTATION_OVERLAP_MS);
  await db
    .updateTable('webhook_endpoints')
    .set({ secret, previous_secret: current.secret, previous_secret_until: until, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
  return { id, secret, previousSecretValidUntil: until.toISOString() };
}
