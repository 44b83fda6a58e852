import { request } from 'undici';
import type { RunnerContext, SimCall } from './call-types.ts';
import { sign } from './callbacks.ts';
import type { SimInput } from './options.ts';

/** Vonage gives an NCCO-returning webhook (answer, input) 5 s to reply (docs/gateway-facts.md §3, §4). */
const INPUT_READ_TIMEOUT_MS = 5_000;
/** A script that keeps asking is cut off here, as a caller would hang up. */
const MAX_INPUTS = 10;
/** Real-life time the callee takes to press or speak, before timeScale. */
const ANSWER_DELAY_MS = 2_000;
/** Real-life time a talk or stream action plays, before timeScale. */
const PLAY_MS = 1_000;

interface Action {
  action?: unknown;
  eventUrl?: unknown;
  eventMethod?: unknown;
  [key: string]: unknown;
}

/**
 * Plays an answered call's NCCO: `talk`/`stream` take a moment, `input` posts the callee's
 * answer (per number, see `inputsByNumber`) to the action's eventUrl and continues with the
 * NCCO it returns, `record` records until the NCCO ends and then posts a `record` event with a
 * downloadable recording. Resolves when the NCCO is over; the call's closing events wait for it.
 */
export async function playNcco(ctx: RunnerContext, call: SimCall, ncco: unknown): Promise<void> {
  let actions = Array.isArray(ncco) ? (ncco as Action[]) : [];
  let inputs = 0;
  const records: { action: Action; startedAt: number }[] = [];
  while (actions.length > 0) {
    const [action, ...rest] = actions as [Action, ...Action[]];
    actions = rest;
    if (action.action === 'record') records.push({ action, startedAt: Date.now() });
    else if (action.action === 'input' && inputs < MAX_INPUTS) {
      await pause(ctx, ANSWER_DELAY_MS);
      const reply = await postInput(ctx, call, action, inputFor(ctx, call.to, inputs));
      inputs += 1;
      if (Array.isArray(reply)) actions = reply as Action[];
    } else await pause(ctx, PLAY_MS);
  }
  for (const record of records) await postRecord(ctx, call, record.action, record.startedAt);
}

/** The answer for a number's n-th input: the longest matching number suffix wins, else `defaultInput`. */
function inputFor(ctx: RunnerContext, to: string, index: number): SimInput {
  const options = ctx.options();
  let best: SimInput | SimInput[] | undefined;
  let bestLength = -1;
  for (const [suffix, input] of Object.entries(options.inputsByNumber)) {
    if (to.endsWith(suffix) && suffix.length > bestLength) {
      best = input;
      bestLength = suffix.length;
    }
  }
  const chosen = best ?? options.defaultInput;
  return Array.isArray(chosen) ? (chosen[Math.min(index, chosen.length - 1)] ?? { timeout: true }) : chosen;
}

function inputBody(call: SimCall, input: SimInput): Record<string, unknown> {
  const base = { uuid: call.uuid, conversation_uuid: call.conversationUuid, timestamp: new Date().toISOString() };
  if ('dtmf' in input) return { ...base, dtmf: { digits: input.dtmf, timed_out: false } };
  if ('speech' in input) {
    const results = [{ text: input.speech, confidence: String(input.confidence ?? 0.9) }];
    return { ...base, speech: { results, timeout_reason: 'end_on_silence_timeout' } };
  }
  return { ...base, dtmf: { digits: '', timed_out: true }, speech: { timeout_reason: 'start_timeout' } };
}

async function postInput(ctx: RunnerContext, call: SimCall, action: Action, input: SimInput): Promise<unknown> {
  const url = firstUrl(action.eventUrl) ?? call.eventUrl;
  const body = JSON.stringify(inputBody(call, input));
  const at = Date.now();
  try {
    const response = await post(ctx, url, body, INPUT_READ_TIMEOUT_MS);
    const text = await response.body.text();
    const ncco = parse(text);
    ctx.callbacks.push({
      at,
      kind: 'input',
      uuid: call.uuid,
      attempt: call.attempt,
      url,
      status: response.statusCode,
      ncco,
      latencyMs: Date.now() - at,
    });
    return response.statusCode >= 200 && response.statusCode < 300 ? ncco : undefined;
  } catch (thrown) {
    ctx.callbacks.push({
      at,
      kind: 'input',
      uuid: call.uuid,
      attempt: call.attempt,
      url,
      status: 0,
      error: (thrown as Error).message,
    });
    return undefined;
  }
}

async function postRecord(ctx: RunnerContext, call: SimCall, action: Action, startedAt: number): Promise<void> {
  const endedAt = Date.now();
  const recording = ctx.recordings.add((endedAt - startedAt) / 1000 / Math.max(ctx.options().timeScale, 0.001));
  const url = firstUrl(action.eventUrl) ?? call.eventUrl;
  const body = JSON.stringify({
    start_time: new Date(startedAt).toISOString(),
    end_time: new Date(endedAt).toISOString(),
    recording_url: `${ctx.baseUrl()}/v1/files/${recording.uuid}`,
    recording_uuid: recording.uuid,
    size: recording.audio.length,
    conversation_uuid: call.conversationUuid,
    timestamp: new Date(endedAt).toISOString(),
  });
  const at = Date.now();
  try {
    const response = await post(ctx, url, body, 10_000);
    await response.body.dump();
    ctx.callbacks.push({
      at,
      kind: 'record',
      uuid: call.uuid,
      attempt: call.attempt,
      url,
      status: response.statusCode,
    });
  } catch (thrown) {
    ctx.callbacks.push({
      at,
      kind: 'record',
      uuid: call.uuid,
      attempt: call.attempt,
      url,
      status: 0,
      error: (thrown as Error).message,
    });
  }
}

async function post(ctx: RunnerContext, url: string, body: string, timeoutMs: number) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const secret = ctx.options().signatureSecret;
  if (secret) headers.authorization = `Bearer ${await sign(body, secret, ctx.options().apiKey)}`;
  return request(url, {
    method: 'POST',
    headers,
    body,
    dispatcher: ctx.agent,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

function pause(ctx: RunnerContext, ms: number): Promise<void> {
  const scaled = Math.round(ms * ctx.options().timeScale);
  return new Promise((resolve) => setTimeout(resolve, scaled).unref());
}

function firstUrl(value: unknown): string | undefined {
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
