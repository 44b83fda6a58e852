import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/config.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { applicationForm } from '../src/gateway/applications.ts';
import { createGatewayClient } from '../src/gateway/create-gateway-client.ts';
import { kpnCreateCallBody, vonageCreateCallBody } from '../src/gateway/request-bodies.ts';
import type { CreateCallRequest } from '../src/gateway/types.ts';
import { createLogger } from '../src/shared/logger.ts';
import { nccoSchema } from '../src/shared/ncco.ts';
import type { E164 } from '../src/shared/phone-number.ts';

/**
 * The published definitions, copied into the repository with their sources and licences
 * (test/contract/definitions/README.md); `.ci/run` checks the copies against the team's reference.
 */
const REFERENCE = new URL('./contract/definitions/', import.meta.url);
const readYaml = (name: string) => parse(readFileSync(new URL(name, REFERENCE), 'utf8')) as OpenApi;
const readJson = (name: string) =>
  JSON.parse(readFileSync(new URL(name, REFERENCE), 'utf8')) as Record<string, unknown>;

type Json = Record<string, unknown>;
interface OpenApi {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

function ajv(): Ajv {
  // OpenAPI 3.0 schemas carry `example`, `x-…` and formats such as `timestamp` that JSON Schema lacks.
  const instance = new Ajv({ strict: false, allErrors: true, logger: false });
  // ajv-formats is CommonJS; its default export is the plugin function at run time.
  (addFormats as unknown as (ajv: Ajv) => void)(instance);
  return instance;
}

/** A request body schema with the document's components beside it, so its `#/components/…` refs resolve. */
function requestValidator(
  doc: OpenApi,
  path: string,
  method: string,
  contentType = 'application/json',
): ValidateFunction {
  const operation = doc.paths[path]?.[method] as { requestBody: { content: Record<string, { schema: Json }> } };
  const schema = operation.requestBody.content[contentType]?.schema as Json;
  return ajv().compile({ ...schema, components: doc.components });
}

/**
 * Vonage's file has a known defect (docs/gateway-facts.md §1, "Known defect of the Vonage spec"): the endpoint
 * `type` properties have no `enum`, so every `to` item matches several `oneOf` branches and any
 * strict validator rejects every create-call body. Patched in memory only, the way docs/gateway-facts.md §1's
 * Prism check did: the `enum` each description ("Must be `phone`") states is added.
 */
function patchEndpointTypes(doc: OpenApi): OpenApi {
  const copy = structuredClone(doc);
  for (const schema of Object.values(copy.components.schemas)) {
    const type = (schema.properties as Record<string, Json> | undefined)?.type;
    const named = typeof type?.description === 'string' ? /Must be `([a-z]+)`/.exec(type.description) : null;
    if (type && named && !type.enum) type.enum = [named[1]];
  }
  return copy;
}

const kpnDoc = readYaml('kpn-voice-nexmo.openapi.yml');
const vonageRaw = readYaml('vonage-voice.openapi.yml');
const vonageDoc = patchEndpointTypes(vonageRaw);

const requests: CreateCallRequest[] = [
  {
    attemptId: 'a1',
    to: '+31612345678' as E164,
    from: '+31201234567' as E164,
    answerUrl: 'https://callcast.example.com/webhooks/answer?attempt=a1&token=t',
    eventUrl: 'https://callcast.example.com/webhooks/event?attempt=a1&token=t',
  },
  {
    attemptId: 'a2',
    to: '+447700900123' as E164,
    from: '+31201234567' as E164,
    answerUrl: 'https://callcast.example.com/webhooks/answer?attempt=a2&token=t',
    eventUrl: 'https://callcast.example.com/webhooks/event?attempt=a2&token=t',
    ncco: [{ action: 'talk', text: 'Hallo', language: 'nl-NL' }],
    machineDetection: 'hangup',
    ringingTimer: 45,
    lengthTimer: 600,
  },
];

describe('contract: request bodies against the published definitions', () => {
  it('the unpatched Vonage file shows the documented defect (so the patch is still needed)', () => {
    const raw = requestValidator(vonageRaw, '/', 'post');
    expect(raw(vonageCreateCallBody(requests[0] as CreateCallRequest))).toBe(false);
    expect(JSON.stringify(raw.errors)).toContain('oneOf');
  });

  it('KPN create-call bodies satisfy KPN’s definition, with answer_url and never ncco', () => {
    const validate = requestValidator(kpnDoc, '/voice/calls', 'post');
    for (const request of requests) {
      const body = kpnCreateCallBody(request);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(body).not.toHaveProperty('ncco');
    }
  });

  it('Vonage-direct create-call bodies satisfy Vonage’s definition, with and without an inline NCCO', () => {
    const validate = requestValidator(vonageDoc, '/', 'post');
    for (const request of requests) {
      expect(validate(vonageCreateCallBody(request)), JSON.stringify(validate.errors)).toBe(true);
    }
    const bad = vonageCreateCallBody(requests[0] as CreateCallRequest);
    expect(validate({ ...bad, ncco: [{ action: 'talk', text: 'x' }] })).toBe(false);
  });

  it('the hangup body satisfies both update-call definitions', () => {
    const kpn = requestValidator(kpnDoc, '/voice/calls/{uuid}', 'put');
    const vonage = requestValidator(vonageDoc, '/{uuid}', 'put');
    expect(kpn({ action: 'hangup' })).toBe(true);
    expect(vonage({ action: 'hangup' }), JSON.stringify(vonage.errors)).toBe(true);
  });

  it('the application form satisfies KPN’s createApplication definition', () => {
    const validate = requestValidator(kpnDoc, '/applications', 'post', 'application/x-www-form-urlencoded');
    const form = applicationForm({
      name: 'callcast',
      answerUrl: 'https://callcast.example.com/webhooks/answer',
      eventUrl: 'https://callcast.example.com/webhooks/event',
    });
    expect(validate(form), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('contract: what the client actually sends', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ timeScale: 0.001, callsPerSecond: 100, outcomes: { rejected: 1 } });
  });
  afterAll(() => simulator.close());

  const base = (extra: Record<string, string>) =>
    loadConfig({
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: 'demo-client',
      GATEWAY_CLIENT_SECRET: 'demo-secret',
      GATEWAY_APPLICATION_ID: '00000000-0000-4000-8000-000000000000',
      ...extra,
    });

  it('bodies sent by both providers validate against their definitions', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const logger = createLogger({ level: 'silent' });
    const kpn = createGatewayClient(base({}), { logger });
    const direct = createGatewayClient(base({ GATEWAY_PROVIDER: 'vonage', VONAGE_PRIVATE_KEY: pem }), { logger });
    try {
      for (const request of requests) {
        await kpn.createCall(request);
        await direct.createCall(request);
      }
    } finally {
      await Promise.all([kpn.close(), direct.close()]);
    }
    const sent = (path: string) => simulator.requests().filter((r) => r.path === path && r.status === 201);
    const kpnValidate = requestValidator(kpnDoc, '/voice/calls', 'post');
    const vonageValidate = requestValidator(vonageDoc, '/', 'post');
    expect(sent('/voice/calls')).toHaveLength(2);
    expect(sent('/v1/calls')).toHaveLength(2);
    for (const entry of sent('/voice/calls'))
      expect(kpnValidate(entry.body), JSON.stringify(kpnValidate.errors)).toBe(true);
    for (const entry of sent('/v1/calls'))
      expect(vonageValidate(entry.body), JSON.stringify(vonageValidate.errors)).toBe(true);
  });
});

describe('contract: NCCO schemas', () => {
  const nccoJsonSchema = readJson('vonage-ncco.schema.json');
  // Draft-04 file, compiled as draft-07: it uses no keyword whose meaning changed between the two.
  const { $schema: _draft, ...schemaBody } = nccoJsonSchema;
  const official = ajv().compile(schemaBody);

  /** Every `ncco` example in Vonage's OpenAPI file. */
  function openApiNccoExamples(): unknown[] {
    const found: unknown[] = [];
    const visit = (node: unknown, key?: string) => {
      if (!node || typeof node !== 'object') return;
      const record = node as Json;
      if (key === 'ncco' && Array.isArray(record.example)) found.push(record.example);
      for (const [childKey, child] of Object.entries(record)) visit(child, childKey);
    };
    visit(vonageRaw);
    return found;
  }

  /** NCCOs in the shapes of Vonage's NCCO reference, within what the JSON schema covers. */
  const referenceShapes: unknown[] = [
    [{ action: 'talk', text: 'Welcome to callcast', language: 'en-GB', style: 1, bargeIn: false, loop: 2 }],
    [{ action: 'talk', text: '<speak>Hallo <break time="1s"/> daar</speak>', language: 'nl-NL' }],
    [{ action: 'stream', streamUrl: ['https://example.com/music.mp3'], level: -0.4, loop: 0, bargeIn: true }],
    [
      { action: 'talk', text: 'Press 1 to confirm', bargeIn: true },
      { action: 'input', maxDigits: 1, timeOut: 5, submitOnHash: true, eventUrl: ['https://example.com/input'] },
    ],
    [{ action: 'record', format: 'wav', endOnSilence: 3, endOnKey: '#', timeOut: 60, beepStart: true }],
    [{ action: 'conversation', name: 'support-room', startOnEnter: true, endOnExit: false, record: true }],
    [
      {
        action: 'connect',
        from: '31201234567',
        timeout: 45,
        limit: 600,
        machineDetection: 'continue',
        eventType: 'synchronous',
        endpoint: [{ type: 'phone', number: '31612345678', dtmfAnswer: 'p*123#' }],
      },
    ],
    [{ action: 'connect', endpoint: [{ type: 'sip', uri: 'sip:agent@sip.example.com' }] }],
    [
      {
        action: 'connect',
        endpoint: [{ type: 'websocket', uri: 'wss://example.com/socket', 'content-type': 'audio/l16;rate=16000' }],
      },
    ],
  ];

  /** Broken NCCOs on fields the JSON schema constrains: both must refuse each. */
  const broken: unknown[] = [
    [],
    [{ action: 'talk' }],
    // Ours allows 3000 characters before placeholders expand; both refuse beyond that.
    [{ action: 'talk', text: 'x'.repeat(3001) }],
    [{ action: 'talk', text: 'hi', loop: -1 }],
    [{ action: 'stream' }],
    [{ action: 'stream', streamUrl: ['https://example.com/a.mp3'], level: 1.5 }],
    [{ action: 'record', endOnSilence: 11 }],
    [{ action: 'record', endOnKey: 'x' }],
    [{ action: 'record', timeOut: 2 }],
    [{ action: 'input', maxDigits: 25 }],
    [{ action: 'conversation' }],
    [{ action: 'connect' }],
    [{ action: 'connect', machineDetection: 'maybe', endpoint: [{ type: 'phone', number: '31612345678' }] }],
    [{ action: 'connect', endpoint: [{ type: 'phone', number: '+31612345678' }] }],
    [{ action: 'connect', eventMethod: 'PATCH', endpoint: [{ type: 'phone', number: '31612345678' }] }],
    [{ action: 'dance' }],
  ];

  it('accepts the NCCO examples in Vonage’s OpenAPI file, as the JSON schema does', () => {
    const examples = openApiNccoExamples();
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(official(example), JSON.stringify(official.errors)).toBe(true);
      expect(nccoSchema.safeParse(example).success).toBe(true);
    }
  });

  it('agrees with vonage-ncco.schema.json on NCCOs in the reference shapes', () => {
    for (const ncco of referenceShapes) {
      expect(official(ncco), `official: ${JSON.stringify(ncco)} ${JSON.stringify(official.errors)}`).toBe(true);
      expect(nccoSchema.safeParse(ncco).success, `ours: ${JSON.stringify(ncco)}`).toBe(true);
    }
  });

  it('agrees with vonage-ncco.schema.json on refusing broken NCCOs', () => {
    for (const ncco of broken) {
      expect(official(ncco), `official accepted ${JSON.stringify(ncco)}`).toBe(false);
      expect(nccoSchema.safeParse(ncco).success, `ours accepted ${JSON.stringify(ncco)}`).toBe(false);
    }
  });
});
