import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ clientSecret: 'control-secret' });
});
afterAll(() => simulator.close());

const post = (path: string, body?: unknown) =>
  fetch(`${simulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const token = (secret: string) =>
  fetch(simulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `client_id=demo-client&client_secret=${secret}`,
  });

describe('gateway simulator: token endpoint and control API', () => {
  it('issues KPN-shaped tokens with string values and refuses bad credentials with 401', async () => {
    const good = await token('control-secret');
    expect(good.status).toBe(200);
    const body = (await good.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ expires_in: '3599', status: 'approved', refresh_token_expires_in: '0' });
    expect(Number(body.issued_at)).toBeGreaterThan(1.7e12);
    const refused = await token('wrong');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('api-version')).toBe('v1');
    expect(refused.headers.get('quota-limit')).toBeTruthy();
  });

  it('is reconfigured over HTTP, logs API requests only, and resets', async () => {
    expect((await fetch(`${simulator.url}/_simulator/health`)).status).toBe(200);
    const configured = await post('/_simulator/config', { tokenEndpointDown: true, latencyMs: 50 });
    expect(configured.status).toBe(200);
    expect(await configured.json()).not.toHaveProperty('clientSecret');
    const started = Date.now();
    const down = await token('control-secret');
    expect(down.status).toBe(503);
    const calls = await fetch(`${simulator.url}/voice/calls/some-uuid`, { headers: { authorization: 'Bearer nope' } });
    expect(calls.status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    const logged = (await (await fetch(`${simulator.url}/_simulator/requests`)).json()) as Array<{
      path: string;
      status: number;
    }>;
    expect(logged.slice(-2).map((r) => r.status)).toEqual([503, 401]);
    expect(logged.every((r) => !r.path.startsWith('/_simulator'))).toBe(true);
    expect((await post('/_simulator/config', { callsPerSecond: 0 })).status).toBe(400);
    expect((await post('/_simulator/reset')).status).toBe(204);
    expect(simulator.requests()).toEqual([]);
    expect((await token('control-secret')).status).toBe(200);
  });

  it('accepts an RS256 application JWT on /v1/calls and refuses anything else', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ application_id: 'a', iat: 1, jti: 'j' })).toString('base64url');
    const response = await fetch(`${simulator.url}/v1/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${header}.${claims}.sig`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toContain('RS256');
  });
});
