import type { Readable } from 'node:stream';
import { decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { type Config, must } from '../config/config.ts';
import { createGatewayConnection, type GatewayClientDeps } from './create-gateway-client.ts';
import { loadPrivateKey, signApplicationJwt } from './vonage-jwt.ts';

/**
 * Downloads call recordings for GET /v1/calls/:attemptId/recording. The recording URL (from the
 * `record` event) needs a JWT: through KPN the one `GET /jwt` returns (OAuth token and
 * ApplicationId header, like every KPN call), through Vonage directly the application JWT.
 * The audio is streamed through; neither the URL nor the JWT ever reaches the API client.
 */
export type RecordingDownload =
  | { kind: 'audio'; contentType: string; contentLength: string | undefined; body: Readable }
  | { kind: 'missing' }
  | { kind: 'expired' };

export interface RecordingFetcher {
  open(recordingUrl: string): Promise<RecordingDownload>;
  close(): Promise<void>;
}

/** Reuse a KPN download JWT until this long before its `exp`; one without `exp` is kept 5 min. */
const JWT_RENEW_MARGIN_MS = 60_000;
const JWT_DEFAULT_LIFETIME_MS = 300_000;

/** Whether the config holds what a recording download needs (otherwise the API cannot fetch any). */
export function hasGatewayCredentials(config: Config): boolean {
  const { gateway } = config;
  if (!gateway.applicationId) return false;
  return gateway.provider === 'kpn' ? Boolean(gateway.clientId && gateway.clientSecret) : Boolean(gateway.privateKey);
}

export function createRecordingFetcher(config: Config, deps: GatewayClientDeps): RecordingFetcher {
  const jwt = config.gateway.provider === 'kpn' ? kpnDownloadJwt(config, deps) : vonageDownloadJwt(config);
  // Audio files are small (a few MB at most); 30 s covers a slow link, and a stall is a dead one.
  const agent = new Agent({ connect: { timeout: 5_000 }, headersTimeout: 15_000, bodyTimeout: 30_000 });
  const trusted = trustedOrigins(config);
  return {
    async open(recordingUrl) {
      if (!isTrusted(recordingUrl, trusted)) {
        deps.logger.warn({ host: safeHost(recordingUrl) }, 'recording URL is not a gateway host; not fetched');
        return { kind: 'missing' };
      }
      let response = await get(recordingUrl, await jwt.get(), agent);
      if (response.statusCode === 401) {
        await response.body.dump();
        response = await get(recordingUrl, await jwt.get(true), agent);
      }
      if (response.statusCode === 404) return drained(response, { kind: 'missing' });
      if (response.statusCode === 410) return drained(response, { kind: 'expired' });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`recording download: HTTP ${response.statusCode}`);
      }
      const type = response.headers['content-type'];
      const length = response.headers['content-length'];
      return {
        kind: 'audio',
        contentType: typeof type === 'string' ? type : 'application/octet-stream',
        contentLength: typeof length === 'string' ? length : undefined,
        body: response.body,
      };
    },
    async close() {
      await Promise.all([jwt.close(), agent.close()]);
    },
  };
}

interface JwtSource {
  get(renew?: boolean): Promise<string>;
  close(): Promise<void>;
}

function kpnDownloadJwt(config: Config, deps: GatewayClientDeps): JwtSource {
  const connection = createGatewayConnection(config, deps);
  let cached: { token: string; renewAt: number } | undefined;
  return {
    async get(renew = false) {
      if (!renew && cached && Date.now() < cached.renewAt) return cached.token;
      const reply = await connection.transport.send({ method: 'GET', path: '/jwt', operation: 'recording jwt' });
      const token = (reply.body as { JWT_token?: unknown } | undefined)?.JWT_token;
      if (typeof token !== 'string' || token === '') throw new Error('GET /jwt answered without JWT_token');
      cached = { token, renewAt: renewTime(token) };
      return token;
    },
    close: () => connection.close(),
  };
}

function vonageDownloadJwt(config: Config): JwtSource {
  const key = loadPrivateKey(must(config.gateway.privateKey, 'VONAGE_PRIVATE_KEY'));
  const applicationId = must(config.gateway.applicationId, 'GATEWAY_APPLICATION_ID');
  return { get: () => signApplicationJwt(applicationId, key), close: async () => undefined };
}

function renewTime(token: string): number {
  try {
    const { exp } = decodeJwt(token);
    if (typeof exp === 'number') return exp * 1000 - JWT_RENEW_MARGIN_MS;
  } catch {
    // not a JWT we can read: keep it for the default lifetime
  }
  return Date.now() + JWT_DEFAULT_LIFETIME_MS;
}

/** Vonage's hosts, plus the configured gateway's origin (the simulator, a regional host). */
function trustedOrigins(config: Config): string[] {
  return [new URL(config.gateway.url).origin];
}

function isTrusted(url: string, origins: readonly string[]): boolean {
  try {
    const parsed = new URL(url);
    if (origins.includes(parsed.origin)) return true;
    return parsed.protocol === 'https:' && /(^|\.)(nexmo|vonage)\.com$/.test(parsed.hostname);
  } catch {
    return false;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

function get(url: string, jwt: string, dispatcher: Agent) {
  return request(url, { method: 'GET', headers: { authorization: `Bearer ${jwt}` }, dispatcher });
}

async function drained(response: { body: { dump(): Promise<void> } }, result: RecordingDownload) {
  await response.body.dump();
  return result;
}
