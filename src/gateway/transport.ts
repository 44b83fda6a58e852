import { Agent, type Dispatcher, request } from 'undici';
import { GATEWAY_TIMEOUTS } from '../shared/gateway-timing.ts';
import type { Logger } from '../shared/logger.ts';
import { classifyNetworkError, classifyResponse } from './classify.ts';
import { parseQuota, type ResponseHeaders } from './quota.ts';
import { currentWatch, errorCodeOf, sentNotifying } from './request-watch.ts';
import { GatewayError, type Quota } from './types.ts';

/** How a provider authenticates: a bearer credential, and a different one after a 401. */
export interface Authorizer {
  credential(): Promise<string>;
  replace(stale: string): Promise<string>;
  headers(credential: string): Record<string, string>;
}

export interface SendOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended to the provider's base URL, e.g. `/voice/calls`. */
  path: string;
  /** Names the request in errors and logs, e.g. "create call". */
  operation: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  form?: Record<string, string | undefined>;
  /**
   * Least time between the first request and its retry after a 401, ms. Create-call sets one
   * rate window: both requests share one limiter slot, and the gateway may count the refused one.
   */
  retryAfterUnauthorizedMs?: number;
  /**
   * Send deadline, epoch ms (create-call): no request starts after it, and one still under way
   * then is aborted, so no byte of this operation leaves later (see shared/gateway-timing.ts).
   */
  sendBy?: number;
}

export interface GatewayReply {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
  quota: Quota | undefined;
}

/** Keep-alive pool and timeouts for every request to the gateway and its token endpoint. */
export function createGatewayAgent(): Agent {
  return new Agent({
    connections: 32, // per origin: create-call runs at a few per second, workers × concurrency can burst higher
    keepAliveTimeout: 10_000, // idle sockets kept 10 s: at 3 calls/s every request reuses one
    keepAliveMaxTimeout: 60_000, // never trust a server's keep-alive hint beyond a minute
    // Explained in shared/gateway-timing.ts, which also adds them up for RECONCILE_GRACE_MS.
    connect: { timeout: GATEWAY_TIMEOUTS.connectMs },
    headersTimeout: GATEWAY_TIMEOUTS.headersMs, // create-call answers well under a second; then maybe delivered
    bodyTimeout: GATEWAY_TIMEOUTS.bodyMs, // bodies are tiny; a stall this long is a dead connection
  });
}

/**
 * Sends one authorized request: a 401 replaces the credential once and retries once; a second
 * 401 is an `auth` error. Every answer's quota headers go to `onQuota`; non-2xx answers and
 * network failures are thrown as classified `GatewayError`s.
 */
export class GatewayTransport {
  private readonly baseUrl: string;
  private readonly authorizer: Authorizer;
  private readonly dispatcher: Dispatcher;
  private readonly logger: Logger;
  private readonly onQuota: ((quota: Quota) => void) | undefined;

  constructor(options: {
    baseUrl: string;
    authorizer: Authorizer;
    dispatcher: Dispatcher;
    logger: Logger;
    onQuota?: (quota: Quota) => void;
  }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.authorizer = options.authorizer;
    this.dispatcher = options.dispatcher;
    this.logger = options.logger;
    this.onQuota = options.onQuota;
  }

  async send(options: SendOptions): Promise<GatewayReply> {
    const first = await this.authorizer.credential();
    ensureBeforeDeadline(options);
    const firstSentAt = Date.now();
    let reply = await this.once(options, first);
    if (reply.status === 401) {
      this.logger.info({ operation: options.operation }, 'gateway answered 401; renewing the credential once');
      // Wait first, then renew: the credential must be the freshest one when the retry leaves.
      const waitMs = firstSentAt + (options.retryAfterUnauthorizedMs ?? 0) - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const renewed = await this.authorizer.replace(first);
      ensureBeforeDeadline(options);
      reply = await this.once(options, renewed);
      if (reply.status === 401) {
        const error = classifyResponse(reply, options.operation);
        throw new GatewayError(
          'auth',
          `${error.message}; a fresh credential was refused too: check the gateway credentials and application id`,
          {
            httpStatus: 401,
            quota: error.quota,
            problem: error.problem,
            traceId: error.traceId,
          },
        );
      }
    }
    if (reply.status >= 200 && reply.status < 300) return reply;
    throw classifyResponse(reply, options.operation);
  }

  private async once(options: SendOptions, credential: string): Promise<GatewayReply> {
    const url = new URL(`${this.baseUrl}${options.path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.authorizer.headers(credential) };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(definedEntries(options.form)).toString();
    }
    // A create-call inside a limiter slot tells the slot when it left and how it was answered;
    // one with a send deadline needs to know whether it left before an abort.
    const watch = options.operation === 'create call' ? currentWatch() : undefined;
    let left = false;
    const dispatcher =
      watch || options.sendBy !== undefined
        ? sentNotifying(this.dispatcher, () => {
            left = true;
            watch?.sent();
          })
        : this.dispatcher;
    const signal =
      options.sendBy === undefined ? undefined : AbortSignal.timeout(Math.max(0, options.sendBy - Date.now()));
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method: options.method, headers, body, dispatcher, signal });
    } catch (thrown) {
      // Aborted at the send deadline before its last byte was written: the gateway has only part
      // of a request, which it cannot act on. Written in full, it may have been placed.
      if (signal?.aborted && !left) throw deadlineMissed(options.operation, thrown);
      throw classifyNetworkError(thrown, options.operation);
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (thrown) {
      throw classifyNetworkError(thrown, options.operation);
    }
    const quota = parseQuota(response.headers);
    if (quota) this.onQuota?.(quota);
    const parsed = parseJson(text);
    watch?.answered(response.statusCode, response.statusCode === 429 ? errorCodeOf(parsed) : undefined);
    return { status: response.statusCode, headers: response.headers, body: parsed, quota };
  }
}

/** Past the send deadline nothing is sent: a token fetch or a 401's wait that ended too late gives up here. */
function ensureBeforeDeadline(options: SendOptions): void {
  if (options.sendBy !== undefined && Date.now() >= options.sendBy) throw deadlineMissed(options.operation);
}

/** Nothing (or only part of a request, which the gateway cannot act on) left before the deadline. */
function deadlineMissed(operation: string, cause?: unknown): GatewayError {
  return new GatewayError('transient', `${operation}: send deadline passed before the request left`, {
    maybeDelivered: false,
    cause,
  });
}

function definedEntries(record: Record<string, string | undefined>): Array<[string, string]> {
  return Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
