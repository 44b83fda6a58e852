// Size: assembles the one OpenAPI document from every domain's schemas; mostly declarations.
import { z } from 'zod';
import { createCampaignSchema, inlineRecipientsSchema } from '../campaigns/campaign-schema.ts';
import {
  campaignDetailSchema,
  campaignPageSchema,
  campaignViewSchema,
  createdCampaignSchema,
  recipientUploadSchema,
} from '../campaigns/campaign-view.ts';
import { OUTBOUND_SCHEMAS, outboundPaths, outboundWebhooks } from '../outbound/outbound-openapi.ts';
import { REMINDER_SCHEMAS, reminderPaths } from '../reminders/reminder-openapi.ts';
import { REPORT_SCHEMAS, reportPaths } from '../reports/report-openapi.ts';
import { campaignStreamPaths } from './campaign-stream-routes.ts';
import {
  suppressionPageSchema,
  suppressionsAddedSchema,
  suppressionsBodySchema,
  suppressionsRemovedSchema,
} from './suppression-routes.ts';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with, so
 * the docs cannot drift from the behaviour. Served without an API key (docs-routes.ts).
 */

const errorSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'stable, machine-readable (validation_failed, invalid_csv, not_found, …)' }),
    message: z.string(),
    details: z.unknown().optional().meta({ description: 'for validation_failed: [{ field, code, message }]' }),
  }),
});

const SCHEMAS = {
  CreateCampaign: [createCampaignSchema, 'input'],
  RecipientList: [inlineRecipientsSchema, 'input'],
  SuppressionList: [suppressionsBodySchema, 'input'],
  CreatedCampaign: [createdCampaignSchema, 'output'],
  RecipientUpload: [recipientUploadSchema, 'output'],
  Campaign: [campaignViewSchema, 'output'],
  CampaignDetail: [campaignDetailSchema, 'output'],
  CampaignPage: [campaignPageSchema, 'output'],
  SuppressionsAdded: [suppressionsAddedSchema, 'output'],
  SuppressionsRemoved: [suppressionsRemovedSchema, 'output'],
  SuppressionPage: [suppressionPageSchema, 'output'],
  Error: [errorSchema, 'output'],
} as const satisfies Record<string, [z.ZodType, 'input' | 'output']>;
type SchemaName = keyof typeof SCHEMAS;

function componentSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, [schema, io]] of Object.entries({
    ...SCHEMAS,
    ...REMINDER_SCHEMAS,
    ...REPORT_SCHEMAS,
    ...OUTBOUND_SCHEMAS,
  })) {
    const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
    out[name] = json;
  }
  return out;
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ 'application/json': { schema: ref(name) } });
const answer = (description: string, name: SchemaName) => ({ description, content: json(name) });
const failure = (description: string) => answer(description, 'Error');

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const common = { '401': failure('missing or unknown API key'), '404': failure('no such campaign for this key') };

function controlPath(action: string, effect: string) {
  return {
    post: {
      summary: `${action[0]?.toUpperCase()}${action.slice(1)} a campaign`,
      description: effect,
      parameters: [idParam],
      responses: {
        '200': answer('the campaign after the change', 'Campaign'),
        '409': failure('invalid_state'),
        ...common,
      },
    },
  };
}

function paths(): Record<string, unknown> {
  const dependencies = {
    type: 'object',
    properties: { postgres: { type: 'boolean' }, redis: { type: 'boolean' } },
    required: ['postgres', 'redis'],
  };
  return {
    '/health': {
      get: {
        summary: 'Whether this API process reaches Postgres and Redis (for load balancers; no API key)',
        security: [],
        responses: {
          '200': { description: 'both reachable', content: { 'application/json': { schema: dependencies } } },
          '503': { description: 'one is not', content: { 'application/json': { schema: dependencies } } },
        },
      },
    },
    '/v1/campaigns': {
      post: {
        summary: 'Create a campaign with up to 10,000 inline recipients',
        description:
          'Exactly one of ncco or answerUrl. Unknown fields are a 400. Rows with bad numbers, numbers of a type the operator does not call (premium_rate_number, shared_cost_number, number_type_not_allowed), duplicates, suppressed numbers or bad time zones are rejected one by one (listed in `rejected`); a body error stores nothing.',
        parameters: [
          { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } },
        ],
        requestBody: { required: true, content: json('CreateCampaign') },
        responses: {
          '201': answer('created (or replayed: header Idempotent-Replayed: true)', 'CreatedCampaign'),
          '400': failure(
            'validation_failed, invalid_json; from_not_registered (the key pins caller ids); connect_not_allowed, premium_rate_number, shared_cost_number, number_type_not_allowed (an NCCO connect target the dial policy refuses)',
          ),
          '413': failure('payload_too_large (10 MB)'),
          '415': failure('unsupported_media_type: send application/json'),
          '422': failure('idempotency_key_reused'),
          '401': common['401'],
        },
      },
      get: {
        summary: "List the key's campaigns, newest first",
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': answer('a page', 'CampaignPage'),
          '400': failure('bad limit or cursor'),
          '401': common['401'],
        },
      },
    },
    '/v1/campaigns/{id}': {
      get: {
        summary: 'A campaign with recipient counts per status',
        parameters: [idParam],
        responses: { '200': answer('the campaign', 'CampaignDetail'), ...common },
      },
    },
    '/v1/campaigns/{id}/recipients': {
      post: {
        summary: 'Add recipients: a JSON array (≤10,000) or a streamed text/csv upload of any size',
        description:
          'CSV header: number[,timezone][,other columns → data]; comma, semicolon or tab separated (the header decides); UTF-8, BOM allowed. Rows are accepted or rejected one by one; a malformed CSV structure is a 400 invalid_csv and stores nothing.',
        parameters: [idParam],
        requestBody: {
          required: true,
          content: { ...json('RecipientList'), 'text/csv': { schema: { type: 'string' } } },
        },
        responses: {
          '201': answer('stored', 'RecipientUpload'),
          '400': failure('validation_failed or invalid_csv'),
          '408': failure(
            'upload_timeout: the upload sent nothing for UPLOAD_IDLE_TIMEOUT_MS or ran past UPLOAD_TIMEOUT_MS; nothing stored',
          ),
          '409': failure('invalid_state: campaign cancelled or completed'),
          '415': failure('unsupported_media_type'),
          '429': failure(
            'too_many_uploads: UPLOAD_MAX_PER_KEY (details.scope api_key) or UPLOAD_MAX_CONCURRENT (scope total) CSV uploads already running; retry later',
          ),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/pause': controlPath('pause', 'Stops dialing; never-dialed queued attempts are withdrawn.'),
    '/v1/campaigns/{id}/resume': controlPath('resume', 'Dialing continues where it stopped.'),
    '/v1/campaigns/{id}/cancel': controlPath(
      'cancel',
      'Final: queued attempts are withdrawn, open recipients cancelled.',
    ),
    '/v1/suppressions': {
      get: {
        summary: "List the key's do-not-call numbers, ordered by number",
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          {
            name: 'number',
            in: 'query',
            description: 'numbers starting with these digits',
            schema: { type: 'string' },
          },
        ],
        responses: { '200': answer('a page', 'SuppressionPage'), '400': failure('bad query'), '401': common['401'] },
      },
      post: {
        summary: "Add numbers to the key's do-not-call list",
        requestBody: { required: true, content: json('SuppressionList') },
        responses: { '201': answer('added', 'SuppressionsAdded'), '400': failure('validation_failed'), ...common },
      },
      delete: {
        summary: 'Remove several numbers from the list',
        requestBody: { required: true, content: json('SuppressionList') },
        responses: { '200': answer('removed', 'SuppressionsRemoved'), '400': failure('validation_failed'), ...common },
      },
    },
    '/v1/suppressions/{number}': {
      delete: {
        summary: 'Remove one number (URL-encode the +)',
        parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'removed' }, '400': failure('not a phone number'), ...common },
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'callcast', version: '0.1.0', description: 'Outbound phone-call campaigns.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: { ...paths(), ...reminderPaths(), ...reportPaths(), ...campaignStreamPaths(), ...outboundPaths() },
    // Outbound event payloads (issue 13): what callcast POSTs to the customer's endpoints.
    webhooks: outboundWebhooks(),
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API key from `callcast keys create`' },
      },
    },
  };
  return cached;
}
