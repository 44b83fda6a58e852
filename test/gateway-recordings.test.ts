import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { createRecordingFetcher, type RecordingDownload } from '../src/gateway/recording-download.ts';
import { createLogger } from '../src/shared/logger.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const logger = createLogger({ level: 'silent' });

async function bytes(download: RecordingDownload): Promise<Buffer> {
  if (download.kind !== 'audio') throw new Error(`expected audio, got ${download.kind}`);
  const chunks: Buffer[] = [];
  for await (const chunk of download.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('recording downloads through the gateway client (simulator over HTTP)', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(() => simulator?.close());

  const config = (provider: 'kpn' | 'vonage') =>
    loadConfig({
      GATEWAY_PROVIDER: provider,
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: 'demo-client',
      GATEWAY_CLIENT_SECRET: 'demo-secret',
      GATEWAY_APPLICATION_ID: randomUUID(),
      ...(provider === 'vonage' ? { VONAGE_PRIVATE_KEY: pem } : {}),
    });

  it('KPN: fetches a JWT from GET /jwt (ApplicationId header) and downloads with it, reusing it', async () => {
    const fetcher = createRecordingFetcher(config('kpn'), { logger });
    try {
      const first = simulator.addRecording(1);
      const second = simulator.addRecording(1);
      expect((await bytes(await fetcher.open(first.url))).subarray(0, 4).toString()).toBe('RIFF');
      expect((await bytes(await fetcher.open(second.url))).length).toBeGreaterThan(44);
      const jwtRequests = simulator.requests().filter((r) => r.path === '/jwt');
      expect(jwtRequests.map((r) => r.status)).toEqual([200]);
    } finally {
      await fetcher.close();
    }
  });

  it('Vonage direct: downloads with the application JWT', async () => {
    const fetcher = createRecordingFetcher(config('vonage'), { logger });
    try {
      const before = simulator.recordingDownloads();
      const recording = simulator.addRecording(0.5);
      expect((await bytes(await fetcher.open(recording.url))).subarray(0, 4).toString()).toBe('RIFF');
      expect(simulator.recordingDownloads()).toBe(before + 1);
    } finally {
      await fetcher.close();
    }
  });

  it('reports a missing file, an expired one, and never sends its credential to a foreign host', async () => {
    const fetcher = createRecordingFetcher(config('kpn'), { logger });
    try {
      expect(await fetcher.open(`${simulator.url}/v1/files/${randomUUID()}`)).toEqual({ kind: 'missing' });
      const old = simulator.addRecording(1);
      simulator.configure({ recordingTtlMs: 0 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await fetcher.open(old.url)).toEqual({ kind: 'expired' });
      simulator.configure({ recordingTtlMs: 3_600_000 });
      const requestsBefore = simulator.requests().length;
      expect(await fetcher.open('https://attacker.example/v1/files/x')).toEqual({ kind: 'missing' });
      expect(simulator.requests().length).toBe(requestsBefore);
    } finally {
      await fetcher.close();
    }
  });
});
