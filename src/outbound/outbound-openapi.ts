import type { z } from 'zod';
import {
  createEndpointSchema,
  deliveryPageSchema,
  endpointPageSchema,
  endpointViewSchema,
  endpointWithSecretSchema,
  rotatedSecretSchema,
} from './endpoint-schema.ts';
import {
  answeredInputEventSchema,
  callCompletedEventSchema,
  campaignCompletedEventSchema,
  recordingAvailableEventSchema,
  reminderRunCompletedEventSchema,
} from './event-schemas.ts';

/**
 * OpenAPI for call results (issue 13): webhook endpoints and deliveries, the recording route,
 * the input callback, and the outbound event payloads as OpenAPI 3.1 `webhooks`.
 */

export const OUTBOUND_SCHEMAS = {
  CreateWebhookEndpoint: [createEndpointSchema, 'input'],
  WebhookEndpoint: [endpointViewSchema, 'output'],
  WebhookEndpointCreated: [endpointWithSecretSchema, 'output'],
  WebhookEndpointPage: [endpointPageSchema, 'output'],
  WebhookSecretRotated: [rotatedSecretSchema, 'output'],
  WebhookDeliveryPage: [deliveryPageSchema, 'output'],
  CallCompletedEvent: [callCompletedEventSchema, 'output'],
  CallAnsweredInputEvent: [answeredInputEventSchema, 'output'],
  CallRecordingAvailableEvent: [recordingAvailableEventSchema, 'output'],
  CampaignCompletedEvent: [campaignCompletedEventSchema, 'output'],
  ReminderRunCompletedEvent: [reminderRunCompletedEventSchema, 'output'],
} as const satisfies Record<string, [z.ZodType, 'input' | 'output']>;

type Name = keyof typeof OUTBOUND_SCHEMAS | 'Error';
const ref = (name: Name) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, name: Name) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const page = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];
const common = {
  '401': json('missing or unknown API key', 'Error'),
  '404': json('no such endpoint for this key', 'Error'),
};

const SIGNING = [
  'Every delivery is a POST with a JSON body and the Standard Webhooks headers `webhook-id` (the event id,',
  'the same on every try and replay), `webhook-timestamp` (seconds) and `webhook-signature`',
  '(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, two space-separated signatures for 24 h after a',
  'rotation). Verify with the `standardwebhooks` or `svix` packages. Answer 2xx within 10 s; 410 disables',
  'the endpoint; anything else is retried with exponential backoff and jitter for up to 24 h',
  '(at-least-once: deduplicate on webhook-id).',
].join(' ');

function eventWebhook(name: Name, summary: string) {
  return {
    post: {
      summary,
      description: SIGNING,
      requestBody: { required: true, content: { 'application/json': { schema: ref(name) } } },
      responses: { '200': { description: 'any 2xx: delivered' }, '410': { description: 'disables the endpoint' } },
    },
  };
}

export function outboundWebhooks(): Record<string, unknown> {
  return {
    'call.completed': eventWebhook('CallCompletedEvent', 'An attempt ended'),
    'call.answered_input': eventWebhook(
      'CallAnsweredInputEvent',
      'A callee answered an input action (the call is live)',
    ),
    'call.recording_available': eventWebhook(
      'CallRecordingAvailableEvent',
      "A call's recording was stored (it may come after call.completed)",
    ),
    'campaign.completed': eventWebhook('CampaignCompletedEvent', 'A campaign finished'),
    'reminder.run.completed': eventWebhook('ReminderRunCompletedEvent', "A reminder run's last attempt ended"),
  };
}

function inputCallback(summary: string) {
  return {
    summary,
    security: [],
    parameters: [
      { name: 'attempt', in: 'query', required: true, schema: { type: 'string', format: 'uuid' } },
      { name: 'token', in: 'query', required: true, schema: { type: 'string' }, description: 'WEBHOOK_TOKEN' },
    ],
    responses: {
      '200': {
        description: 'the reply NCCO',
        content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } },
      },
      '401': json('bad token or signature', 'Error'),
    },
  };
}

export function outboundPaths(): Record<string, unknown> {
  return {
    '/v1/webhook-endpoints': {
      post: {
        summary: 'Add a webhook endpoint; its signing secret is shown only in this answer',
        description: `${SIGNING} The URL must be https and must not resolve to a loopback, private, link-local or metadata address (400 forbidden_target), checked again at every delivery.`,
        requestBody: { required: true, content: { 'application/json': { schema: ref('CreateWebhookEndpoint') } } },
        responses: {
          '201': json('created', 'WebhookEndpointCreated'),
          '400': json('validation_failed', 'Error'),
          '401': common['401'],
        },
      },
      get: {
        summary: "The key's endpoints, newest first",
        parameters: page,
        responses: { '200': json('a page', 'WebhookEndpointPage'), '401': common['401'] },
      },
    },
    '/v1/webhook-endpoints/{id}': {
      get: {
        summary: 'One endpoint (status, disabled reason)',
        parameters: [id],
        responses: { '200': json('the endpoint', 'WebhookEndpoint'), ...common },
      },
      delete: {
        summary: 'Delete an endpoint',
        parameters: [id],
        responses: { '204': { description: 'deleted' }, ...common },
      },
    },
    '/v1/webhook-endpoints/{id}/rotate-secret': {
      post: {
        summary: 'A new signing secret, shown once',
        parameters: [id],
        responses: { '200': json('rotated', 'WebhookSecretRotated'), ...common },
      },
    },
    '/v1/webhook-endpoints/{id}/deliveries': {
      get: {
        summary: 'Deliveries to this endpoint, newest first, with every try (status, latency, error)',
        parameters: [id, ...page],
        responses: { '200': json('a page', 'WebhookDeliveryPage'), ...common },
      },
    },
    '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry': {
      post: {
        summary: 'Send a delivery again (same event id and body)',
        parameters: [
          id,
          { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        responses: {
          '202': { description: 'queued' },
          '409': json('invalid_state: endpoint disabled', 'Error'),
          ...common,
        },
      },
    },
    '/v1/calls/{attemptId}/recording': {
      get: {
        summary: "A call's recording, streamed through callcast",
        description:
          'Fetched from the gateway with callcast’s own credential (KPN: GET /jwt; Vonage: the application JWT); the gateway URL is never shown.',
        parameters: [{ name: 'attemptId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: {
          '200': {
            description: 'the audio',
            content: { 'audio/wav': {}, 'audio/mpeg': {}, 'application/octet-stream': {} },
          },
          '404': json('no such call for this key, no recording, or gone from the gateway', 'Error'),
          '410': json('gone: the recording expired at the gateway', 'Error'),
          '503': json('service_unavailable: no gateway credentials', 'Error'),
          '401': common['401'],
        },
      },
    },
    '/webhooks/input': {
      get: inputCallback('GET: the result as query parameters (eventMethod GET)'),
      post: {
        summary: "Gateway callback: an input action's result (DTMF/speech); answers the reply NCCO",
        description:
          'Handed out as the eventUrl of every input action without one; same URL token and optional Vonage signature as /webhooks/event. Answered within the 5 s NCCO deadline.',
        security: [],
        parameters: [
          { name: 'attempt', in: 'query', required: true, schema: { type: 'string', format: 'uuid' } },
          { name: 'token', in: 'query', required: true, schema: { type: 'string' }, description: 'WEBHOOK_TOKEN' },
        ],
        requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': {
            description: 'the reply NCCO',
            content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } },
          },
          '401': json('bad token or signature', 'Error'),
        },
      },
    },
  };
}
