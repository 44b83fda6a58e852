import type { E164 } from '../shared/phone-number.ts';

/**
 * The one interface workers use to place and control calls, whichever provider is configured
 * (KPN's gateway by default, Vonage directly as the alternative).
 */
export interface GatewayClient {
  /** POST …/calls. Resolves with the call's uuid; rejects with a classified `GatewayError`. */
  createCall(request: CreateCallRequest): Promise<CreateCallResult>;
  /** GET …/calls/{uuid}, on the separate non-create budget (reconciliation). */
  getCall(uuid: string): Promise<CallInfo>;
  /** PUT …/calls/{uuid} {action: hangup}, on the separate non-create budget. */
  hangup(uuid: string): Promise<void>;
  close(): Promise<void>;
}

export interface CreateCallRequest {
  /** Our attempt id, for logs; it is already inside answerUrl and eventUrl. */
  attemptId: string;
  to: E164;
  from: E164;
  /** Where the gateway fetches the NCCO: our /webhooks/answer, or the campaign's own URL. */
  answerUrl: string;
  /** Rendered NCCO; sent inline only to Vonage directly (KPN's definition has no `ncco`). */
  ncco?: unknown[];
  eventUrl: string;
  machineDetection?: 'continue' | 'hangup';
  /** Seconds from ringing until the gateway gives up (1–120). */
  ringingTimer?: number;
  /** Seconds from answer until the gateway hangs up (1–7200). */
  lengthTimer?: number;
  /**
   * Send deadline, epoch ms: the request leaves before it or not at all (RECONCILE_GRACE_MS is
   * honoured by it). A request aborted under way is `maybeDelivered`; one never started is not.
   */
  sendBy?: number;
}

export interface CreateCallResult {
  uuid: string;
  conversationUuid: string | undefined;
  status: string;
  quota: Quota | undefined;
}

export interface CallInfo {
  uuid: string;
  status: string;
  conversationUuid: string | undefined;
  /** The call record as the gateway sent it (`duration`, `price`, `rate`, `network`, …). */
  record?: Readonly<Record<string, unknown>>;
}

/** KPN's Apigee quota headers, parsed; every field is optional because any may be absent. */
export interface Quota {
  limit?: number;
  used?: number;
  interval?: number;
  timeUnit?: string;
  resetAt?: Date;
}

/**
 * What a worker does about a failure:
 *   rate_limited    – 429 per-second limit: pause all workers for `retryAfterMs`, retry, not an attempt
 *   quota_exhausted – 429 with the quota used up: pause until the quota resets
 *   transient       – 5xx, network error, timeout: retry with backoff
 *   permanent       – 400/403/404/422: end the attempt with the gateway's reason, never retry
 *   auth            – 401 twice or bad client credentials: a configuration problem, stop and alert
 */
export type GatewayFailureKind = 'rate_limited' | 'quota_exhausted' | 'transient' | 'permanent' | 'auth';

export interface GatewayProblem {
  title?: string;
  detail?: string;
  invalidParameters?: Array<{ name: string; reason: string }>;
}

export class GatewayError extends Error {
  readonly kind: GatewayFailureKind;
  readonly httpStatus: number | undefined;
  /** How long to wait before trying again, for rate_limited and quota_exhausted. */
  readonly retryAfterMs: number | undefined;
  readonly quota: Quota | undefined;
  readonly problem: GatewayProblem;
  /** X-Nexmo-Trace-Id, for support requests. */
  readonly traceId: string | undefined;
  /**
   * True when the request may have reached the gateway (timeout after sending, connection reset):
   * a call may exist, so the worker must reconcile before redialing.
   */
  readonly maybeDelivered: boolean;

  constructor(
    kind: GatewayFailureKind,
    message: string,
    fields: {
      httpStatus?: number;
      retryAfterMs?: number;
      quota?: Quota;
      problem?: GatewayProblem;
      traceId?: string;
      maybeDelivered?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: fields.cause });
    this.name = 'GatewayError';
    this.kind = kind;
    this.httpStatus = fields.httpStatus;
    this.retryAfterMs = fields.retryAfterMs;
    this.quota = fields.quota;
    this.problem = fields.problem ?? {};
    this.traceId = fields.traceId;
    this.maybeDelivered = fields.maybeDelivered ?? false;
  }
}
