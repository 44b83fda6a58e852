import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listDeliveries, retryDelivery } from '../outbound/delivery-repository.ts';
import { findEndpoint, listEndpoints, toEndpointView } from '../outbound/endpoint-repository.ts';
import { createEndpointSchema, pageQuerySchema } from '../outbound/endpoint-schema.ts';
import { createEndpoint, deleteEndpoint, rotateSecret } from '../outbound/endpoint-service.ts';
import { notFound } from '../shared/errors.ts';
import { parseOrThrow } from '../shared/validation.ts';
import type { ApiDeps } from './deps.ts';

const idParams = z.object({ id: z.string() });
const deliveryParams = z.object({ id: z.string(), deliveryId: z.string() });

/** The caller's endpoint id from the path; a malformed id is the same 404 as another key's. */
function endpointId(params: unknown): string {
  const { id } = parseOrThrow(idParams, params, 'path');
  if (!z.guid().safeParse(id).success) throw notFound('Webhook endpoint', id);
  return id;
}

/** /v1/webhook-endpoints: outbound webhooks of the caller's key (issue 13). */
export async function webhookEndpointRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  const allowPrivateTargets = deps.config.outboundWebhooks.allowPrivateTargets;

  v1.post('/webhook-endpoints', async (request, reply) => {
    const body = parseOrThrow(createEndpointSchema, request.body);
    return reply.status(201).send(await createEndpoint({ db: deps.db, allowPrivateTargets }, request.apiKeyId, body));
  });

  v1.get('/webhook-endpoints', async (request) => {
    const query = parseOrThrow(pageQuerySchema, request.query, 'query');
    const page = await listEndpoints(deps.db, request.apiKeyId, query.limit, query.cursor);
    return { items: page.items.map(toEndpointView), nextCursor: page.hasMore ? (page.items.at(-1)?.id ?? null) : null };
  });

  v1.get('/webhook-endpoints/:id', async (request) =>
    toEndpointView(await findEndpoint(deps.db, request.apiKeyId, endpointId(request.params))),
  );

  v1.delete('/webhook-endpoints/:id', async (request, reply) => {
    await deleteEndpoint(deps.db, request.apiKeyId, endpointId(request.params));
    return reply.status(204).send();
  });

  v1.post('/webhook-endpoints/:id/rotate-secret', async (request) =>
    rotateSecret(deps.db, request.apiKeyId, endpointId(request.params)),
  );

  v1.get('/webhook-endpoints/:id/deliveries', async (request) => {
    const query = parseOrThrow(pageQuerySchema, request.query, 'query');
    return listDeliveries(deps.db, request.apiKeyId, endpointId(request.params), query);
  });

  v1.post('/webhook-endpoints/:id/deliveries/:deliveryId/retry', async (request, reply) => {
    const { deliveryId } = parseOrThrow(deliveryParams, request.params, 'path');
    const result = await retryDelivery(deps.db, request.apiKeyId, endpointId(request.params), deliveryId);
    return reply.status(202).send(result);
  });
}
