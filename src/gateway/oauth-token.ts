import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import type { Logger } from '../shared/logger.ts';
import { classifyNetworkError, classifyResponse } from './classify.ts';
import type { CachedToken, SharedTokenStore } from './shared-token-store.ts';
import { GatewayError } from './types.ts';

/** Renew when less than this remains (60 s per docs/gateway-facts.md §7), or half the lifetime for short tokens. */
const REFRESH_MARGIN_MS = 60_000;
/** Assumed lifetime when the endpoint sends no usable `expires_in`: short, so a wrong guess costs little. */
const FALLBACK_LIFETIME_S = 300;

/** Apigee writes every value as a string; accept numbers too, and any `token_type` (e.g. "BearerToken"). */
const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.string(), z.number()]).optional(),
  token_type: z.unknown().optional(),
});

export interface OAuthTokenOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Shares the token between processes; without it each process fetches its own. */
  shared?: SharedTokenStore;
  now?: () => number;
}

/**
 * OAuth2 client-credentials token with a cache, early renewal and single flight: however many
 * requests need a token at once, one fetch runs, and with a shared store one per fleet.
 */
export class OAuthToken {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly options: OAuthTokenOptions;
  private readonly now: () => number;
  /** Token endpoint requests made by this process, for tests and metrics. */
  fetches = 0;

  constructor(options: OAuthTokenOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** A token fresh enough to use now. */
  async get(): Promise<string> {
    if (this.cached && isFresh(this.cached, this.now())) return this.cached.accessToken;
    return (await this.renew(this.cached?.accessToken)).accessToken;
  }

  /** After a 401 with `stale`: a different token, fetched once however many callers saw the 401. */
  async replace(stale: string): Promise<string> {
    if (this.cached && this.cached.accessToken !== stale && isFresh(this.cached, this.now())) {
      return this.cached.accessToken;
    }
    return (await this.renew(stale)).accessToken;
  }

  private renew(stale: string | undefined): Promise<CachedToken> {
    this.inFlight ??= this.obtain(stale).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async obtain(stale: string | undefined): Promise<CachedToken> {
    const token = this.options.shared
      ? await this.options.shared.obtain(stale, isFresh, () => this.fetchToken(), this.now)
      : await this.fetchToken();
    this.cached = token;
    return token;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { tokenUrl, clientId, clientSecret, dispatcher } = this.options;
    this.fetches += 1;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(tokenUrl, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret }).toString(),
      });
    } catch (thrown) {
      throw notDelivered(classifyNetworkError(thrown, 'fetch access token'));
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (thrown) {
      // The token answer broke off: the call request has not been sent yet.
      throw notDelivered(classifyNetworkError(thrown, 'fetch access token'));
    }
    const body = parseJson(text);
    if (response.statusCode !== 200) {
      const error = classifyResponse(
        { status: response.statusCode, headers: response.headers, body },
        'fetch access token',
      );
      // Bad credentials at the token endpoint are a configuration problem whatever the status says.
      if (response.statusCode === 400 || response.statusCode === 401 || response.statusCode === 403) {
        throw new GatewayError('auth', `${error.message}: check GATEWAY_CLIENT_ID and GATEWAY_CLIENT_SECRET`, {
          httpStatus: response.statusCode,
          problem: error.problem,
        });
      }
      throw notDelivered(error);
    }
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new GatewayError('transient', 'fetch access token: response has no access_token');
    const lifetime = Number(parsed.data.expires_in);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : FALLBACK_LIFETIME_S;
    this.options.logger.debug({ expiresInSeconds: seconds }, 'gateway access token obtained');
    const lifetimeMs = seconds * 1000;
    return { accessToken: parsed.data.access_token, expiresAt: this.now() + lifetimeMs, lifetimeMs };
  }
}

export function isFresh(token: CachedToken, now: number): boolean {
  const margin = Math.min(REFRESH_MARGIN_MS, token.lifetimeMs / 2);
  return token.expiresAt - now > margin;
}

/** A failed token fetch means the call request itself was never sent: nothing to reconcile. */
function notDelivered(error: GatewayError): GatewayError {
  return new GatewayError(error.kind, error.message, {
    httpStatus: error.httpStatus,
    retryAfterMs: error.retryAfterMs,
    quota: error.quota,
    problem: error.problem,
    traceId: error.traceId,
    maybeDelivered: false,
    cause: error.cause,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
