import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createGatewayClient } from '../src/gateway/create-gateway-client.ts';
import { GatewayError } from '../src/gateway/types.ts';
import { createLogger } from '../src/shared/logger.ts';
import type { E164 } from '../src/shared/phone-number.ts';

let simulator: Simulator;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  simulator = await startSimulator({ timeScale: 0.001, callsPerSecond: 100, outcomes: { rejected: 1 } });
});
afterAll(() => simulator.close());

const config = (extra: Record<string, string> = {}) =>
  loadConfig({
    GATEWAY_PROVIDER: 'vonage',
    GATEWAY_URL: simulator.url,
    GATEWAY_APPLICATION_ID: '00000000-0000-4000-8000-000000000000',
    VONAGE_PRIVATE_KEY: pem,
    ...extra,
  });
const request = {
  attemptId: 'v1',
  to: '+31612345678' as E164,
  from: '+31201234567' as E164,
  answerUrl: 'http://127.0.0.1:9/answer',
  eventUrl: 'http://127.0.0.1:9/event',
};

describe('gateway client, Vonage direct', () => {
  it('posts to /v1/calls with an RS256 JWT and an inline NCCO, without KPN quota headers', async () => {
    const client = createGatewayClient(config(), { logger });
    try {
      const result = await client.createCall({ ...request, ncco: [{ action: 'talk', text: 'Hallo' }] });
      expect(result.uuid).toBeTruthy();
      expect(result.quota).toBeUndefined();
      const sent = simulator.requests().find((r) => r.path === '/v1/calls');
      expect(sent?.body).toMatchObject({ ncco: [{ action: 'talk', text: 'Hallo' }] });
      expect(sent?.body).not.toHaveProperty('answer_url');
      expect(simulator.requests().some((r) => r.path.startsWith('/oauth'))).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('refuses an invalid NCCO as permanent without sending anything', async () => {
    const client = createGatewayClient(config(), { logger });
    const before = simulator.requests().length;
    try {
      const error = await client
        .createCall({ ...request, ncco: [{ action: 'talk', text: 'hi', level: 5 }] })
        .catch((e) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ kind: 'permanent' });
      expect((error as GatewayError).problem.invalidParameters?.[0]?.name).toBe('ncco.0.level');
      expect(simulator.requests()).toHaveLength(before);
    } finally {
      await client.close();
    }
  });

  it('reads the private key from a file path as well', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/callcast-key-`);
    const path = `${dir}/private.key`;
    writeFileSync(path, pem);
    const client = createGatewayClient(config({ VONAGE_PRIVATE_KEY: path }), { logger });
    try {
      expect((await client.createCall(request)).uuid).toBeTruthy();
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
