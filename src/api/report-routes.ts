import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DbOrTrx } from '../db/connect.ts';
import { listAttempts } from '../reports/attempt-list.ts';
import { recipientCsv } from '../reports/recipient-csv.ts';
import { callsQuerySchema } from '../reports/report-schemas.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { toE164 } from '../shared/phone-number.ts';
import { parseOrThrow } from '../shared/validation.ts';
import type { ApiDeps } from './deps.ts';

const params = z.object({ id: z.string() });

/** Report routes under /v1 (API key required); a campaign of another key is a 404. */
export async function reportRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  v1.get('/campaigns/:id/calls', async (request) => {
    const campaignId = await ownedCampaignId(deps.db, request);
    const query = parseOrThrow(callsQuerySchema, request.query, 'query');
    const number = query.number === undefined ? undefined : normalizeNumber(query.number, deps.config.defaultRegion);
    return listAttempts(deps.db, campaignId, { ...query, number });
  });

  v1.get('/campaigns/:id/report.csv', async (request, reply) => {
    const campaignId = await ownedCampaignId(deps.db, request);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="campaign-${campaignId}.csv"`)
      .send(Readable.from(recipientCsv(deps.db, campaignId)));
  });
}

/** The campaign id from the path if it belongs to the caller's key; 404 otherwise. */
async function ownedCampaignId(db: DbOrTrx, request: FastifyRequest): Promise<string> {
  const { id } = parseOrThrow(params, request.params, 'path');
  if (!z.guid().safeParse(id).success) throw notFound('Campaign', id);
  const row = await db
    .selectFrom('campaigns')
    .select('id')
    .where('id', '=', id)
    .where('api_key_id', '=', request.apiKeyId)
    .executeTakeFirst();
  if (!row) throw notFound('Campaign', id);
  return row.id;
}

function normalizeNumber(input: string, region: string): string {
  const result = toE164(input, region);
  if (!result.ok) {
    throw new AppError('validation_failed', 400, `Invalid query: number (${result.problem})`, {
      details: [{ field: 'number', code: result.problem, message: 'not a valid phone number' }],
    });
  }
  return result.number;
}
