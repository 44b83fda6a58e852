import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireMediaType } from '../shared/request-checks.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { suppress, unsuppress, unsuppressOne } from '../suppressions/suppression-service.ts';
import type { ApiDeps } from './server.ts';

/** Numbers per request; a do-not-call list bigger than this is loaded in several requests. */
export const SUPPRESSIONS_PER_REQUEST_MAX = 10_000;

export const suppressionsBodySchema = z.strictObject({
  numbers: z
    .array(z.string().min(1).max(64))
    .min(1)
    .max(SUPPRESSIONS_PER_REQUEST_MAX, `At most ${SUPPRESSIONS_PER_REQUEST_MAX} numbers per request`),
});

const changeCounts = {
  accepted: z.number().int().meta({ description: 'valid distinct numbers in the request' }),
  rejectedCount: z.number().int(),
  rejected: z.array(
    z.object({ index: z.number().int(), number: z.string(), code: z.enum(['invalid_number', 'number_not_possible']) }),
  ),
};
export const suppressionsAddedSchema = z.object({ ...changeCounts, added: z.number().int() });
export const suppressionsRemovedSchema = z.object({ ...changeCounts, removed: z.number().int() });

/** /v1/suppressions: the calling API key's do-not-call list. */
export async function suppressionRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  const region = deps.config.defaultRegion;

  v1.post('/suppressions', async (request, reply) => {
    requireMediaType(request, ['application/json']);
    const body = parseOrThrow(suppressionsBodySchema, request.body);
    const { changed, ...rest } = await suppress({ ...deps, defaultRegion: region }, request.apiKeyId, body.numbers);
    return reply.status(201).send({ ...rest, added: changed });
  });

  v1.delete('/suppressions', async (request) => {
    requireMediaType(request, ['application/json']);
    const body = parseOrThrow(suppressionsBodySchema, request.body);
    const { changed, ...rest } = await unsuppress(deps.db, request.apiKeyId, body.numbers, region);
    return { ...rest, removed: changed };
  });

  v1.delete('/suppressions/:number', async (request, reply) => {
    await unsuppressOne(deps.db, request.apiKeyId, (request.params as { number: string }).number, region);
    return reply.status(204).send();
  });
}
