import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

describe('GET /docs', () => {
  let h: IntakeHarness;
  beforeAll(async () => {
    h = await startIntakeHarness();
  });
  afterAll(() => h.close());

  it('serves an OpenAPI 3.1 document without an API key, listing the intake paths', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/campaigns', '/v1/campaigns/{id}', '/v1/campaigns/{id}/recipients', '/v1/suppressions']) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect((await h.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json()).toEqual(doc);
  });

  it('has request and response schemas that agree with what the API accepts and answers', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs' })).json();
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    const schemas = doc.components.schemas;
    const validCreate = ajv.compile(schemas.CreateCampaign);
    expect(validCreate(campaignBody({ retry: { maxAttempts: 2 } }))).toBe(true);
    expect(validCreate(campaignBody({ retries: 2 }))).toBe(false);
    expect(validCreate(campaignBody({ ncco: [{ action: 'talk' }] }))).toBe(false);

    const auth = (await h.newKey()).authorization;
    const created = await postJson(h.app, '/v1/campaigns', auth, campaignBody({ recipients: [{ number: 'x' }] }));
    expect(ajv.compile(schemas.CreatedCampaign)(created.json())).toBe(true);
    const detail = await h.app.inject({
      method: 'GET',
      url: `/v1/campaigns/${created.json().id}`,
      headers: { authorization: auth },
    });
    const validDetail = ajv.compile(schemas.CampaignDetail);
    expect(validDetail(detail.json()), JSON.stringify(validDetail.errors)).toBe(true);
    expect(ajv.compile(schemas.Error)(created.json())).toBe(false);
  });
});
