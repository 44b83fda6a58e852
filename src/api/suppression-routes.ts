import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../shared/errors.ts';
import { requireMediaType } from '../shared/request-checks.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { listSuppressions } from '../suppressions/suppression-repository.ts';
import { suppress, unsuppress, unsuppressOne } from '../suppressions/suppression-service.ts';
import type { ApiDeps } from './deps.ts';

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

const suppressionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(200).optional(),
  /** Numbers starting with these digits (an E.164 prefix; the + is optional). */
  number: z
    .string()
    .regex(/^\+?\d{1,15}$/, 'digits of an E.164 number, optionally after +')
    .optional(),
});

export const suppressionPageSchema = z.object({
  items: z.array(z.object({ number: z.string(), createdAt: z.string() })),
  nextCursor: z.string().nullable().meta({ description: 'pass as `cursor` for the next page; null on the last' }),
});

// Pages of the list are keyed by number (the table's key), not by an id.
const encodeNumberCursor = (number: string) => Buffer.from(number).toString('base64url');
function decodeNumberCursor(cursor: string): string {
  const number = Buffer.from(cursor, 'base64url').toString();
  if (!/^\+\d{1,15}$/.test(number)) {
    throw new AppError('validation_failed', 400, 'Invalid query: cursor', {
      details: [{ field: 'cursor', code: 'invalid_cursor', message: 'use nextCursor from a previous page' }],
    });
  }
  return number;
}

/** /v1/suppressions: the calling API key's do-not-call list. */
export async function suppressionRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  const region = deps.config.defaultRegion;

  v1.post('/suppressions', async (request, reply) => {
    requireMediaType(request, ['application/json']);
    const body = parseOrThrow(suppressionsBodySchema, request.body);
    const { changed, ...rest } = await suppress({ ...deps, defaultRegion: region }, request.apiKeyId, body.numbers);
    return reply.status(201).send({ ...rest, added: changed });
  });

  v1.get('/suppressions', async (request) => {
    const query = parseOrThrow(suppressionsQuerySchema, request.query, 'query');
    const page = await listSuppressions(deps.db, request.apiKeyId, {
      limit: query.limit,
      afterNumber: query.cursor === undefined ? undefined : decodeNumberCursor(query.cursor),
      startsWith: query.number === undefined ? undefined : `+${query.number.replace(/^\+/, '')}`,
    });
    const last = page.items.at(-1);
    return {
      items: page.items.map((item) => ({ number: item.number, createdAt: item.createdAt.toISOString() })),
      nextCursor: page.hasMore && last ? encodeNumberCursor(last.number) : null,
    };
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
