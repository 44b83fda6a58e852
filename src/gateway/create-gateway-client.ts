import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import { type Config, must } from '../config/config.ts';
import type { Logger } from '../shared/logger.ts';
import { limiterWindowMs } from '../shared/rate-window.ts';
import { OAuthToken } from './oauth-token.ts';
import { kpnCreateCallBody, vonageCreateCallBody } from './request-bodies.ts';
import { SharedTokenStore } from './shared-token-store.ts';
import { type Authorizer, createGatewayAgent, GatewayTransport } from './transport.ts';
import type { CallInfo, CreateCallRequest, CreateCallResult, GatewayClient, Quota } from './types.ts';
import { GatewayError } from './types.ts';
import { loadPrivateKey, signApplicationJwt } from './vonage-jwt.ts';

export interface GatewayClientDeps {
  logger: Logger;
  /** Shares the OAuth token across processes (KPN only); without it each process fetches its own. */
  redis?: Redis;
  /** Receives the parsed quota headers of every answer, success or error (for the rate limiter). */
  onQuota?: (quota: Quota) => void;
  /**
   * getCall/hangup requests per second from this process. Vonage allows 15/s of non-create
   * requests per account; 5 per process leaves room for a few processes. Default 5.
   */
  controlPerSecond?: number;
}

/** A provider's transport and paths; `createGatewayClient` and the application commands share it. */
export interface GatewayConnection {
  provider: 'kpn' | 'vonage';
  transport: GatewayTransport;
  /** Path of the calls collection: `/voice/calls` (KPN) or `/v1/calls` (direct). */
  callsPath: string;
  /** OAuth token endpoint fetches by this process (KPN), for tests and metrics. */
  tokenFetches(): number;
  close(): Promise<void>;
}

/**
 * `forCalls: false` is for application management: a new user has no application id yet, and
 * KPN needs the `ApplicationId` header on call requests only.
 */
export function createGatewayConnection(config: Config, deps: GatewayClientDeps, forCalls = true): GatewayConnection {
  const { gateway } = config;
  const needsApplicationId = forCalls || gateway.provider === 'vonage';
  const applicationId = needsApplicationId
    ? must(gateway.applicationId, 'GATEWAY_APPLICATION_ID')
    : gateway.applicationId;
  const agent = createGatewayAgent();
  const logger = deps.logger.child({ component: 'gateway', provider: gateway.provider });
  let authorizer: Authorizer;
  let tokenFetches = () => 0;
  if (gateway.provider === 'kpn') {
    const clientId = must(gateway.clientId, 'GATEWAY_CLIENT_ID');
    // One shared token per credential and endpoint, so deployments sharing a Redis never mix tokens.
    const digest = createHash('sha256').update(`${gateway.tokenUrl}\n${clientId}`).digest('hex').slice(0, 16);
    const shared = deps.redis
      ? new SharedTokenStore(deps.redis, `${config.redisKeyPrefix}:gateway:token:${digest}`, logger)
      : undefined;
    const token = new OAuthToken({
      tokenUrl: gateway.tokenUrl,
      clientId,
      clientSecret: must(gateway.clientSecret, 'GATEWAY_CLIENT_SECRET'),
      dispatcher: agent,
      logger,
      shared,
    });
    tokenFetches = () => token.fetches;
    authorizer = {
      credential: () => token.get(),
      replace: (stale) => token.replace(stale),
      headers: (credential) => ({
        authorization: `Bearer ${credential}`,
        ...(applicationId ? { applicationid: applicationId } : {}),
        'api-version': 'v1',
      }),
    };
  } else {
    const key = loadPrivateKey(must(gateway.privateKey, 'VONAGE_PRIVATE_KEY'));
    const sign = () => signApplicationJwt(applicationId as string, key);
    authorizer = { credential: sign, replace: sign, headers: (jwt) => ({ authorization: `Bearer ${jwt}` }) };
  }
  const baseUrl = gateway.provider === 'kpn' ? gateway.url : vonageBaseUrl(gateway.url);
  const transport = new GatewayTransport({ baseUrl, authorizer, dispatcher: agent, logger, onQuota: deps.onQuota });
  return {
    provider: gateway.provider,
    transport,
    callsPath: gateway.provider === 'kpn' ? '/voice/calls' : '/v1/calls',
    tokenFetches: () => tokenFetches(),
    close: () => agent.close(),
  };
}

/** Vonage's host: GATEWAY_URL unless it still names KPN's gateway; a trailing `/v1/calls` is dropped. */
function vonageBaseUrl(url: string): string {
  if (new URL(url).hostname.endsWith('kpn.com')) return 'https://api.nexmo.com';
  return url.replace(/\/v1\/calls\/?$/, '');
}

/** The gateway client for `config.gateway.provider` (KPN by default, or Vonage directly). */
export function createGatewayClient(
  config: Config,
  deps: GatewayClientDeps,
): GatewayClient & { tokenFetches(): number } {
  const connection = createGatewayConnection(config, deps);
  const { transport, callsPath } = connection;
  const perSecond = deps.controlPerSecond ?? 5;
  // getCall/hangup have their own budget so reconciliation never eats into create-call's 3/s.
  const control = new Bottleneck({ maxConcurrent: 4, minTime: Math.ceil(1000 / perSecond) });
  const buildBody = connection.provider === 'kpn' ? kpnCreateCallBody : vonageCreateCallBody;
  const retrySpacingMs = limiterWindowMs(config.callRateMarginMs);
  let closing: Promise<void> | undefined;

  return {
    async createCall(request: CreateCallRequest): Promise<CreateCallResult> {
      const json = buildBody(request);
      const reply = await transport.send({
        method: 'POST',
        path: callsPath,
        operation: 'create call',
        json,
        // One limiter slot must not put two requests into one rate window at the gateway: the
        // retry waits the limiter's own window (1 s + CALL_RATE_MARGIN_MS).
        retryAfterUnauthorizedMs: retrySpacingMs,
        sendBy: request.sendBy,
      });
      const body = (reply.body ?? {}) as { uuid?: unknown; conversation_uuid?: unknown; status?: unknown };
      if (typeof body.uuid !== 'string') {
        throw new GatewayError('transient', `create call: HTTP ${reply.status} without a call uuid`, {
          httpStatus: reply.status,
          quota: reply.quota,
          maybeDelivered: true,
        });
      }
      return {
        uuid: body.uuid,
        conversationUuid: typeof body.conversation_uuid === 'string' ? body.conversation_uuid : undefined,
        status: typeof body.status === 'string' ? body.status : 'started',
        quota: reply.quota,
      };
    },
    getCall(uuid: string): Promise<CallInfo> {
      return control.schedule(async () => {
        const path = `${callsPath}/${encodeURIComponent(uuid)}`;
        const reply = await transport.send({ method: 'GET', path, operation: 'get call' });
        const body = (reply.body ?? {}) as { uuid?: unknown; status?: unknown; conversation_uuid?: unknown };
        return {
          uuid: typeof body.uuid === 'string' ? body.uuid : uuid,
          status: typeof body.status === 'string' ? body.status : 'unknown',
          conversationUuid: typeof body.conversation_uuid === 'string' ? body.conversation_uuid : undefined,
          record: body as Record<string, unknown>,
        };
      });
    },
    hangup(uuid: string): Promise<void> {
      return control.schedule(async () => {
        const path = `${callsPath}/${encodeURIComponent(uuid)}`;
        await transport.send({ method: 'PUT', path, operation: 'hang up', json: { action: 'hangup' } });
      });
    },
    tokenFetches: () => connection.tokenFetches(),
    close() {
      closing ??= (async () => {
        await control.stop({ dropWaitingJobs: true }).catch(() => undefined);
        await connection.close();
      })();
      return closing;
    },
  };
}
