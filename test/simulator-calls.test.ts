import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallbackReceiver, startCallbackReceiver } from '../src/dev/simulator/callback-receiver.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';

let simulator: Simulator;
let receiver: CallbackReceiver;

beforeAll(async () => {
  simulator = await startSimulator({ timeScale: 0.005, callsPerSecond: 50 });
  receiver = await startCallbackReceiver();
});
afterAll(async () => {
  await simulator.close();
  await receiver.close();
});
afterEach(() => simulator.reset());

async function token(): Promise<string> {
  const response = await fetch(simulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=demo-client&client_secret=demo-secret',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

function createBody(to: string, attempt: string, extra: Record<string, unknown> = {}) {
  return {
    to: [{ type: 'phone', number: to }],
    from: { type: 'phone', number: '31201234567' },
    answer_url: [`${receiver.url}/answer?attempt=${attempt}`],
    event_url: [`${receiver.url}/event?attempt=${attempt}`],
    ...extra,
  };
}

async function createCall(bearer: string, body: unknown): Promise<Response> {
  return fetch(`${simulator.url}/voice/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, applicationid: 'app-1' },
    body: JSON.stringify(body),
  });
}

const statusesFor = (attempt: string) =>
  receiver
    .received()
    .filter((cb) => cb.url.startsWith(`/event?attempt=${attempt}`))
    .map((cb) => (cb.body as { status: string }).status);

describe('gateway simulator: calls', () => {
  it('answers 201 with KPN quota headers and plays an answered call out, fetching the NCCO', async () => {
    const response = await createCall(await token(), createBody('31612345678', 'a1'));
    expect(response.status).toBe(201);
    const created = (await response.json()) as { uuid: string; conversation_uuid: string };
    expect(created.conversation_uuid).toMatch(/^CON-/);
    expect(response.headers.get('quota-limit')).toBe('1000000');
    expect(response.headers.get('quota-used')).toBe('1');
    expect(response.headers.get('api-version')).toBe('v1');
    await receiver.waitFor(() => statusesFor('a1').includes('completed') || statusesFor('a1').includes('rejected'));
    const logged = simulator.requests().find((entry) => entry.path === '/voice/calls');
    expect(logged).toMatchObject({ status: 201, to: '31612345678', attempt: 'a1', uuid: created.uuid });
  });

  it('follows started → ringing → answered → completed for an answered number, with the NCCO logged', async () => {
    simulator.configure({ outcomesByNumber: { '31612345001': 'answered' } });
    await createCall(await token(), createBody('31612345001', 'a2'));
    await receiver.waitFor(() => statusesFor('a2').includes('completed'));
    expect(statusesFor('a2')).toEqual(['started', 'ringing', 'answered', 'completed']);
    const answer = simulator.callbacks().find((cb) => cb.kind === 'answer' && cb.attempt === 'a2');
    expect(answer).toMatchObject({ status: 200, ncco: [{ action: 'talk', text: 'Hallo' }], nccoValid: true });
    const answerGet = receiver.received().find((cb) => cb.url.startsWith('/answer?attempt=a2'));
    expect(answerGet?.url).toContain('to=31612345001');
    const completed = receiver
      .received()
      .find((cb) => cb.url.startsWith('/event?attempt=a2') && (cb.body as { status: string }).status === 'completed');
    expect(Number((completed?.body as { duration?: unknown } | undefined)?.duration)).toBeGreaterThan(0);
  });

  it('sends rejected with no completed after it, and busy followed by completed', async () => {
    simulator.configure({ outcomesByNumber: { '31612345002': 'rejected', '31612345003': 'busy' } });
    const bearer = await token();
    await createCall(bearer, createBody('31612345002', 'r1'));
    await createCall(bearer, createBody('31612345003', 'b1'));
    await receiver.waitFor(() => statusesFor('b1').includes('completed') && statusesFor('r1').includes('rejected'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statusesFor('r1')).toEqual(['started', 'rejected']);
    expect(statusesFor('b1')).toEqual(['started', 'ringing', 'busy', 'completed']);
  });

  it('answers 429 past the per-second rate over a rolling window', async () => {
    simulator.configure({ callsPerSecond: 3, outcomesByNumber: { '31612345004': 'rejected' } });
    const bearer = await token();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await createCall(bearer, createBody('31612345004', `w${i}`))).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
  });

  it('rejects a bad body with 400 and invalid_parameters, and an inline NCCO through KPN', async () => {
    const bearer = await token();
    const plus = await createCall(bearer, createBody('+31612345678', 'x1'));
    expect(plus.status).toBe(400);
    const problem = (await plus.json()) as { detail: string; invalid_parameters: Array<{ name: string }> };
    expect(problem.detail).toBeTruthy();
    expect(problem.invalid_parameters.map((p) => p.name)).toContain('to.0.number');
    const inline = await createCall(
      bearer,
      createBody('31612345678', 'x2', { ncco: [{ action: 'talk', text: 'hi' }] }),
    );
    expect(inline.status).toBe(400);
  });

  it('signs callbacks with HS256 and a payload hash when a signature secret is set', async () => {
    simulator.configure({ signatureSecret: 'sim-signature-secret', outcomesByNumber: { '31612345005': 'rejected' } });
    await createCall(await token(), createBody('31612345005', 's1'));
    const [first] = await receiver.waitFor((all) => all.some((cb) => cb.url.startsWith('/event?attempt=s1')));
    const event = receiver.received().find((cb) => cb.url.startsWith('/event?attempt=s1')) ?? first;
    const jwt = (event?.headers.authorization ?? '').replace(/^Bearer /, '');
    const { payload, protectedHeader } = await jwtVerify(jwt, new TextEncoder().encode('sim-signature-secret'));
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ iss: 'Vonage', api_key: 'simkey01' });
    expect(payload.payload_hash).toBe(
      createHash('sha256')
        .update(event?.rawBody ?? '')
        .digest('hex'),
    );
  });

  it('hangs up a live call: cancelled then completed, and GET shows it ended', async () => {
    simulator.configure({ timeScale: 1, outcomesByNumber: { '31612345006': 'answered' } });
    const bearer = await token();
    const { uuid } = (await (await createCall(bearer, createBody('31612345006', 'h1'))).json()) as { uuid: string };
    const live = await fetch(`${simulator.url}/voice/calls/${uuid}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(((await live.json()) as { status: string }).status).toMatch(/started|ringing/);
    const hangup = await fetch(`${simulator.url}/voice/calls/${uuid}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'hangup' }),
    });
    expect(hangup.status).toBe(204);
    await receiver.waitFor(() => statusesFor('h1').includes('completed'));
    expect(statusesFor('h1').slice(-2)).toEqual(['cancelled', 'completed']);
    const ended = await fetch(`${simulator.url}/voice/calls/${uuid}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(((await ended.json()) as { status: string }).status).toBe('completed');
  });

  it('answers 429 with quota-used at the limit once the overall quota is spent', async () => {
    const bearer = await token();
    simulator.configure({ quotaLimit: 1, quotaResetFormat: 'iso', outcomesByNumber: { '31612345007': 'rejected' } });
    expect((await createCall(bearer, createBody('31612345007', 'q1'))).status).toBe(201);
    const refused = await createCall(bearer, createBody('31612345007', 'q2'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('quota-used')).toBe('1');
    expect(Date.parse(refused.headers.get('quota-reset-UTC') ?? '')).toBeGreaterThan(Date.now());
  });
});
