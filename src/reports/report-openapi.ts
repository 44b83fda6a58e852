import type { z } from 'zod';
import { attemptPageSchema, type callsQuerySchema, campaignSummarySchema } from './report-schemas.ts';

/** Report and webhook schemas for GET /docs: the same zod schemas the routes use. */
export const REPORT_SCHEMAS = {
  CampaignReport: [campaignSummarySchema, 'output'],
  AttemptPage: [attemptPageSchema, 'output'],
} as const satisfies Record<string, [z.ZodType, 'input' | 'output']>;

type Name = keyof typeof REPORT_SCHEMAS | 'Error';
const ref = (name: Name) => ({ $ref: `#/components/schemas/${name}` });
const answer = (description: string, name: Name) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const common = {
  '401': answer('missing or unknown API key', 'Error'),
  '404': answer('no such campaign for this key', 'Error'),
};
const query = (name: keyof typeof callsQuerySchema.shape, description: string, schema: unknown) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const callbackParams = [
  { name: 'attempt', in: 'query', required: true, schema: { type: 'string', format: 'uuid' } },
  { name: 'token', in: 'query', required: true, schema: { type: 'string' }, description: 'WEBHOOK_TOKEN' },
];

export function reportPaths(): Record<string, unknown> {
  const event = {
    summary: 'Gateway event callback',
    description:
      'URL token required; with WEBHOOK_SIGNATURE_SECRET also a Vonage HS256 JWT (payload_hash of the raw body, iat ±5 min, jti once). The event is stored (deduplicated by uuid, status, timestamp) before 200 and applied to its attempt right after. 401 stores nothing; 400 names the problem; 503 when storage is down (the gateway retries).',
    parameters: callbackParams,
    responses: { '200': { description: '{ stored, attemptFound } or { stored: false, duplicate: true }' } },
  };
  const ncco = {
    summary: "The attempt's NCCO",
    description:
      "The campaign's NCCO with the recipient's {{placeholders}} filled (or the reminder's NCCO). An unknown attempt gets a short apology talk action instead of a 404, so the callee is not left in silence.",
    parameters: callbackParams,
    responses: { '200': { description: 'NCCO (JSON array)' }, '401': answer('bad token', 'Error') },
  };
  return {
    '/v1/campaigns/{id}/calls': {
      get: {
        summary: "A campaign's call attempts",
        description: 'In creation order, keyset-paginated.',
        parameters: [
          idParam,
          query('limit', '1–500, default 100', { type: 'integer', minimum: 1, maximum: 500 }),
          query('cursor', 'nextCursor of the previous page', { type: 'string' }),
          query('outcome', 'only attempts that ended so', { type: 'string' }),
          query('number', 'only attempts to this number (any notation)', { type: 'string' }),
          query('label', 'only attempts whose latest answer has this label (`responses`)', { type: 'string' }),
        ],
        responses: {
          '200': answer('one page', 'AttemptPage'),
          '400': answer('bad query or cursor', 'Error'),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/report.csv': {
      get: {
        summary: 'Per-recipient report (CSV, streamed)',
        description:
          'Header `number,status,final_outcome,attempts,first_attempt_at,last_attempt_at,talk_seconds,cost`; CRLF lines; RFC 4180 quoting.',
        parameters: [idParam],
        responses: { '200': { description: 'text/csv', content: { 'text/csv': {} } }, ...common },
      },
    },
    '/webhooks/event': { post: event, get: event },
    '/webhooks/answer': { get: ncco, post: ncco },
  };
}
