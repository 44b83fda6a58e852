import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { request } from 'undici';
import { nccoSchema } from '../../shared/ncco.ts';
import type { PlannedEvent } from './call-plan.ts';
import type { RunnerContext, SimCall } from './call-types.ts';

/** Vonage's webhook timeouts (docs/gateway-facts.md §3): connect 1 s, 10 s to read an event reply, 5 s for an NCCO. */
const EVENT_READ_TIMEOUT_MS = 10_000;
const ANSWER_READ_TIMEOUT_MS = 5_000;

/** Posts one event to the call's event_url; a failed delivery is tried once more, as Vonage does. */
export async function deliverEvent(ctx: RunnerContext, call: SimCall, event: PlannedEvent): Promise<void> {
  const body = JSON.stringify(event.payload);
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const status = await postOnce(ctx, call, event, body);
    if (status >= 200 && status < 300) return;
  }
}

async function postOnce(ctx: RunnerContext, call: SimCall, event: PlannedEvent, body: string): Promise<number> {
  const at = Date.now();
  const secret = ctx.options().signatureSecret;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret) headers.authorization = `Bearer ${await sign(body, secret, ctx.options().apiKey)}`;
  const url = call.eventMethod === 'GET' ? withQuery(call.eventUrl, event.payload) : call.eventUrl;
  const entry = { at, kind: 'event' as const, uuid: call.uuid, attempt: call.attempt, url, eventStatus: event.status };
  try {
    const response = await request(url, {
      method: call.eventMethod,
      headers,
      body: call.eventMethod === 'POST' ? body : undefined,
      dispatcher: ctx.agent,
      headersTimeout: EVENT_READ_TIMEOUT_MS,
      bodyTimeout: EVENT_READ_TIMEOUT_MS,
    });
    await response.body.dump();
    ctx.callbacks.push({ ...entry, status: response.statusCode, signed: Boolean(secret) });
    return response.statusCode;
  } catch (thrown) {
    ctx.callbacks.push({ ...entry, status: 0, error: (thrown as Error).message, signed: Boolean(secret) });
    return 0;
  }
}

/** Fetches the NCCO from answer_url (or logs the inline NCCO of a direct call) when the callee answers. */
export async function deliverAnswer(ctx: RunnerContext, call: SimCall): Promise<unknown> {
  const at = Date.now();
  if (!call.answerUrl) {
    ctx.callbacks.push({
      at,
      kind: 'answer',
      uuid: call.uuid,
      attempt: call.attempt,
      url: '',
      status: 200,
      ncco: call.ncco,
    });
    return call.ncco;
  }
  if (!ctx.options().fetchAnswerUrl) return undefined;
  const query = { to: call.to, from: call.from, uuid: call.uuid, conversation_uuid: call.conversationUuid };
  const regional = { ...query, region_url: 'https://api-eu-3.vonage.com' };
  const url = call.answerMethod === 'GET' ? withQuery(call.answerUrl, regional) : call.answerUrl;
  const entry = { at, kind: 'answer' as const, uuid: call.uuid, attempt: call.attempt, url };
  const body = call.answerMethod === 'POST' ? JSON.stringify(regional) : undefined;
  const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
  // Signed webhooks cover the answer request as well; a GET hashes the empty body.
  const secret = ctx.options().signatureSecret;
  if (secret) headers.authorization = `Bearer ${await sign(body ?? '', secret, ctx.options().apiKey)}`;
  try {
    const response = await request(url, {
      method: call.answerMethod,
      headers,
      body,
      dispatcher: ctx.agent,
      headersTimeout: ANSWER_READ_TIMEOUT_MS,
      bodyTimeout: ANSWER_READ_TIMEOUT_MS,
    });
    const text = await response.body.text();
    const ncco = parseJson(text);
    const nccoValid = nccoSchema.safeParse(ncco).success;
    ctx.callbacks.push({ ...entry, status: response.statusCode, ncco, nccoValid });
    return nccoValid ? ncco : undefined;
  } catch (thrown) {
    ctx.callbacks.push({ ...entry, status: 0, error: (thrown as Error).message });
    return undefined;
  }
}

/** The JWT Vonage puts on signed callbacks (docs/gateway-facts.md §5): HS256, payload_hash of the raw body, no exp. */
export function sign(body: string, secret: string, apiKey: string): Promise<string> {
  const payloadHash = createHash('sha256').update(body).digest('hex');
  return new SignJWT({ payload_hash: payloadHash, api_key: apiKey })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(randomUUID())
    .setIssuer('Vonage')
    .sign(new TextEncoder().encode(secret));
}

function withQuery(base: string, params: Record<string, unknown>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
