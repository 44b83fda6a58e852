import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createGatewayClient } from '../src/gateway/create-gateway-client.ts';
import { GatewayError } from '../src/gateway/types.ts';
import { createLogger } from '../src/shared/logger.ts';
import type { E164 } from '../src/shared/phone-number.ts';

/**
 * RECONCILE_GRACE_MS is honoured by a send deadline: a confirmed create-call leaves before it or
 * not at all, so a redial after the grace can never race a request still on its way.
 */
const logger = createLogger({ level: 'silent' });
let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator({ timeScale: 0.002, callsPerSecond: 100 });
});
afterAll(() => simulator.close());
afterEach(() => simulator.reset());

const client = () =>
  createGatewayClient(
    loadConfig({
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: 'demo-client',
      GATEWAY_CLIENT_SECRET: 'demo-secret',
      GATEWAY_APPLICATION_ID: '00000000-0000-4000-8000-000000000000',
    }),
    { logger },
  );

const request = (sendBy: number) => ({
  attemptId: 'deadline-test',
  to: '+31612345678' as E164,
  from: '+31201234567' as E164,
  answerUrl: 'http://127.0.0.1:9/answer',
  eventUrl: 'http://127.0.0.1:9/event',
  sendBy,
});

const createCalls = () => simulator.requests().filter((r) => r.method === 'POST' && r.path === '/voice/calls');

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const thrown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(thrown).toBeInstanceOf(GatewayError);
  return thrown as GatewayError;
}

describe('a create-call with a send deadline', () => {
  it('sends nothing once its deadline has passed (say, behind a slow token fetch), and says so', async () => {
    const gateway = client();
    try {
      const error = await failure(gateway.createCall(request(Date.now() - 1)));
      expect(error.kind).toBe('transient');
      expect(error.maybeDelivered).toBe(false);
      expect(error.message).toMatch(/send deadline/);
      expect(createCalls()).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });

  it('is aborted when the deadline comes while it waits for the answer, and may then have been placed', async () => {
    simulator.configure({ latencyMs: 2_000 });
    const gateway = client();
    try {
      const started = Date.now();
      const error = await failure(gateway.createCall(request(Date.now() + 400)));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(error.maybeDelivered).toBe(true);
      expect(createCalls()).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });

  it('goes through as before when the gateway answers in time', async () => {
    const gateway = client();
    try {
      const result = await gateway.createCall(request(Date.now() + 5_000));
      expect(result.uuid).toEqual(expect.any(String));
      expect(createCalls()).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });
});

describe('RECONCILE_GRACE_MS too short to leave a create-call time to leave', () => {
  it('is refused at start-up with the reason', () => {
    expect(() => loadConfig({ RECONCILE_GRACE_MS: '500' })).toThrow(/RECONCILE_GRACE_MS: must be at least 1000 ms/);
  });
});
