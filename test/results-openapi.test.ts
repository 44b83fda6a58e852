import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/api/openapi.ts';
import { OUTBOUND_EVENT_TYPES } from '../src/shared/webhook-outbox.ts';

describe('OpenAPI for call results and outbound webhooks', () => {
  const doc = openApiDocument() as {
    paths: Record<string, unknown>;
    webhooks: Record<string, unknown>;
    components: { schemas: Record<string, unknown> };
  };

  it('documents every new route and every outbound event payload', () => {
    for (const path of [
      '/v1/webhook-endpoints',
      '/v1/webhook-endpoints/{id}',
      '/v1/webhook-endpoints/{id}/rotate-secret',
      '/v1/webhook-endpoints/{id}/deliveries',
      '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
      '/v1/calls/{attemptId}/recording',
      '/webhooks/input',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(doc.webhooks).sort()).toEqual([
      'call.answered_input',
      'call.completed',
      'call.recording_available',
      'campaign.completed',
      'reminder.run.completed',
    ]);
    expect(Object.keys(doc.webhooks).sort()).toEqual([...OUTBOUND_EVENT_TYPES].sort());
  });

  it('publishes request schemas that accept responses/metadata and refuse a bad endpoint body', () => {
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    const create = ajv.compile(doc.components.schemas.CreateCampaign as object);
    const body = {
      name: 'x',
      from: '+31201234567',
      ncco: [{ action: 'input', type: ['dtmf'] }],
      responses: { '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'ok' }] }, timeout: {} },
      metadata: { id: 7 },
    };
    expect(create(body), JSON.stringify(create.errors)).toBe(true);
    expect(create({ ...body, responses: { '1': { label: 'x', colour: 'red' } } })).toBe(false);
    const endpoint = ajv.compile(doc.components.schemas.CreateWebhookEndpoint as object);
    expect(endpoint({ url: 'https://example.com/h', eventTypes: ['call.completed'] })).toBe(true);
    expect(endpoint({ url: 'https://example.com/h', eventTypes: ['call.exploded'] })).toBe(false);
  });
});
