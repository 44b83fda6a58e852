import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../src/dev/simulator/callback-receiver.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createGatewayClient } from '../src/gateway/create-gateway-client.ts';
import { GatewayError, type Quota } from '../src/gateway/types.ts';
import { createLogger } from '../src/shared/logger.ts';
import type { E164 } from '../src/shared/phone-number.ts';
import { testRedisPrefix, testRedisUrl } from './support/services.ts';

const logger = createLogger({ level: 'silent' });
let simulator: Simulator;
let receiver: CallbackReceiver;
const redisPrefix = testRedisPrefix();

beforeAll(async () => {
  simulator = await startSimulator({ timeScale: 0.002, callsPerSecond: 100, outcomes: { rejected: 1 } });
  receiver = await startCallbackReceiver();
});
afterAll(async () => {
  await simulator.close();
  await receiver.close();
});
afterEach(() => simulator.reset());

function config(extra: Record<string, string> = {}) {
  return loadConfig({
    GATEWAY_URL: simulator.url,
    GATEWAY_TOKEN_URL: simulator.tokenUrl,
    GATEWAY_CLIENT_ID: 'demo-client',
    GATEWAY_CLIENT_SECRET: 'demo-secret',
    GATEWAY_APPLICATION_ID: '00000000-0000-4000-8000-000000000000',
    REDIS_KEY_PREFIX: redisPrefix,
    ...extra,
  });
}

const request = (attemptId: string, to = '+31612345678') => ({
  attemptId,
  to: to as E164,
  from: '+31201234567' as E164,
  answerUrl: `${receiver.url}/answer?attempt=${attemptId}`,
  eventUrl: `${receiver.url}/event?attempt=${attemptId}`,
});

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const result = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(result).toBeInstanceOf(GatewayError);
  return result as GatewayError;
}

const tokenRequests = () => simulator.requests().filter((r) => r.path.startsWith('/oauth/'));

describe('gateway client against the simulator (KPN)', () => {
  it('creates calls with one token, sending digits-only numbers and answer_url, and parses the quota', async () => {
    const quotas: Quota[] = [];
    const client = createGatewayClient(config(), { logger, onQuota: (quota) => quotas.push(quota) });
    try {
      const results = await Promise.all([client.createCall(request('t1')), client.createCall(request('t2'))]);
      await client.createCall(request('t3'));
      expect(results[0]?.uuid).toMatch(/[0-9a-f-]{36}/);
      expect(results[0]?.conversationUuid).toMatch(/^CON-/);
      expect(tokenRequests()).toHaveLength(1);
      const creates = simulator.requests().filter((r) => r.path === '/voice/calls');
      expect(creates.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(creates[0]?.body).toMatchObject({
        to: [{ type: 'phone', number: '31612345678' }],
        answer_url: [`${receiver.url}/answer?attempt=t1`],
      });
      expect(creates[0]?.body).not.toHaveProperty('ncco');
      expect(quotas.at(-1)).toMatchObject({ limit: 1_000_000, used: 3, interval: 30, timeUnit: 'day' });
      expect(quotas.at(-1)?.resetAt?.getTime()).toBeGreaterThan(Date.now());
    } finally {
      await client.close();
    }
  });

  it('renews the token before it expires', async () => {
    simulator.configure({ tokenLifetimeSeconds: 1 });
    const client = createGatewayClient(config(), { logger });
    try {
      await client.createCall(request('r1'));
      // Renewal starts when less than half a short lifetime remains: after 0.6 s of a 1 s token.
      await new Promise((resolve) => setTimeout(resolve, 600));
      await client.createCall(request('r2'));
      expect(tokenRequests()).toHaveLength(2);
      expect(simulator.requests().filter((r) => r.status === 401)).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('on a 401 renews the token once and retries once, with success', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      await client.createCall(request('u1'));
      simulator.revokeTokens();
      const result = await client.createCall(request('u2'));
      expect(result.uuid).toBeTruthy();
      expect(simulator.requests().map((r) => r.status)).toEqual([200, 201, 401, 200, 201]);
      // Both requests share one limiter slot: the retry must not land in the refused one's second.
      const [refused, retried] = simulator
        .requests()
        .filter((r) => r.path.endsWith('/calls'))
        .slice(1);
      expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(1_000);
    } finally {
      await client.close();
    }
  });

  it('the retry after a 401 waits the limiter window as configured: 1 s plus CALL_RATE_MARGIN_MS', async () => {
    const client = createGatewayClient(config({ CALL_RATE_MARGIN_MS: '400' }), { logger });
    try {
      await client.createCall(request('m1'));
      simulator.revokeTokens();
      await client.createCall(request('m2'));
      const calls = simulator.requests().filter((r) => r.path.endsWith('/calls'));
      const [refused, retried] = calls.slice(-2);
      expect(refused!.status).toBe(401);
      expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(1_400);
    } finally {
      await client.close();
    }
  });

  it('a second 401 is an auth error', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      simulator.configure({ unauthorizedCount: 2 });
      const error = await failure(client.createCall(request('u3')));
      expect(error.kind).toBe('auth');
      expect(error.httpStatus).toBe(401);
      expect(simulator.requests().filter((r) => r.path === '/voice/calls')).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('bad client credentials are an auth error from the token endpoint', async () => {
    const client = createGatewayClient(config({ GATEWAY_CLIENT_SECRET: 'wrong' }), { logger });
    try {
      const error = await failure(client.createCall(request('c1')));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain('GATEWAY_CLIENT_SECRET');
    } finally {
      await client.close();
    }
  });

  it('a token endpoint outage is transient and the call was certainly not sent', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      simulator.configure({ tokenEndpointDown: true });
      const error = await failure(client.createCall(request('o1')));
      expect(error).toMatchObject({ kind: 'transient', httpStatus: 503, maybeDelivered: false });
      expect(simulator.requests().some((r) => r.path === '/voice/calls')).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('a token answer cut off mid-body is transient and the call was certainly not sent', async () => {
    // A token endpoint that sends its headers and part of the body, then drops the connection.
    const cut = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"access_token":"abc');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    const { port } = cut.address() as AddressInfo;
    const client = createGatewayClient(config({ GATEWAY_TOKEN_URL: `http://127.0.0.1:${port}/token` }), { logger });
    try {
      const error = await failure(client.createCall(request('t1')));
      expect(error).toMatchObject({ kind: 'transient', maybeDelivered: false });
      expect(simulator.requests().some((r) => r.path === '/voice/calls')).toBe(false);
    } finally {
      await client.close();
      await new Promise((resolve) => cut.close(resolve));
    }
  });

  it('classifies a per-second 429 as rate_limited with Retry-After, or ~1 s without it', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      simulator.configure({ burst429: 1, retryAfterSeconds: 2 });
      const named = await failure(client.createCall(request('l1')));
      expect(named).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000, httpStatus: 429 });
      expect(named.quota?.limit).toBe(1_000_000);
      simulator.configure({ burst429: 1, retryAfterSeconds: undefined });
      const unnamed = await failure(client.createCall(request('l2')));
      expect(unnamed).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    } finally {
      await client.close();
    }
  });

  it('classifies a spent quota as quota_exhausted until its reset', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      simulator.configure({ quotaLimit: 2, quotaWindowMs: 60_000 });
      await client.createCall(request('q1'));
      await client.createCall(request('q2'));
      const error = await failure(client.createCall(request('q3')));
      expect(error.kind).toBe('quota_exhausted');
      expect(error.quota).toMatchObject({ limit: 2, used: 2 });
      expect(error.retryAfterMs).toBeGreaterThan(50_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    } finally {
      await client.close();
    }
  });

  it('classifies 5xx as transient and a 400 as permanent with the gateway detail', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      simulator.configure({ serverErrorShare: 1 });
      const transient = await failure(client.createCall(request('e1')));
      expect(transient.kind).toBe('transient');
      expect(transient.httpStatus).toBeGreaterThanOrEqual(500);
      simulator.configure({ serverErrorShare: 0 });
      const bad = { ...request('e2'), eventUrl: 'not a url' };
      const permanent = await failure(client.createCall(bad));
      expect(permanent.kind).toBe('permanent');
      expect(permanent.problem.detail).toBe('The request failed due to validation errors');
      expect(permanent.problem.invalidParameters?.map((p) => p.name)).toContain('event_url.0');
    } finally {
      await client.close();
    }
  });

  it('a dropped connection is transient and maybe delivered', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      simulator.configure({ dropShare: 1 });
      const error = await failure(client.createCall(request('d1')));
      expect(error).toMatchObject({ kind: 'transient', maybeDelivered: true });
      expect(simulator.requests().find((r) => r.path === '/voice/calls')?.uuid).toBeTruthy();
    } finally {
      await client.close();
    }
  });

  it('looks up and hangs up a call on the control budget; an unknown call is permanent (404)', async () => {
    simulator.configure({ timeScale: 1, outcomes: { answered: 1 } });
    const client = createGatewayClient(config(), { logger });
    try {
      const { uuid } = await client.createCall(request('h1'));
      expect(await client.getCall(uuid)).toMatchObject({ uuid, status: expect.stringMatching(/started|ringing/) });
      await client.hangup(uuid);
      expect((await client.getCall(uuid)).status).toBe('completed');
      const missing = await failure(client.getCall('00000000-0000-4000-8000-00000000dead'));
      expect(missing).toMatchObject({ kind: 'permanent', httpStatus: 404 });
    } finally {
      await client.close();
    }
  });

  it('degrades to a per-process token when Redis is unreachable', async () => {
    // Port 1 refuses connections; with an offline queue the commands wait until our 1 s timeout.
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    down.on('error', () => undefined);
    const client = createGatewayClient(config(), { logger, redis: down });
    try {
      expect((await client.createCall(request('x1'))).uuid).toBeTruthy();
      expect(client.tokenFetches()).toBe(1);
    } finally {
      await client.close();
      down.disconnect();
    }
  });

  it('shares one token between processes through Redis', async () => {
    const redisA = new Redis(testRedisUrl());
    const redisB = new Redis(testRedisUrl());
    const clients = [redisA, redisB, redisA].map((redis) => createGatewayClient(config(), { logger, redis }));
    try {
      await Promise.all(clients.map((client, i) => client.createCall(request(`s${i}`))));
      await Promise.all(clients.map((client, i) => client.createCall(request(`s${i + 3}`))));
      expect(tokenRequests()).toHaveLength(1);
      expect(clients.reduce((sum, client) => sum + client.tokenFetches(), 0)).toBe(1);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      redisA.disconnect();
      redisB.disconnect();
    }
  });
});
