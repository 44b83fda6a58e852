/**
 * Why the limiter gave no slot, or lost track of one:
 *   paused       – a global pause (429 or quota) is in force for `retryInMs`;
 *   not_admitted – the guard stayed full past the slot's wait budget;
 *   unavailable  – Bottleneck or Redis failed before the call started;
 *   expired      – the call started but outlived the job's expiration: it may have been placed;
 *   closed       – the limiter is shutting down.
 * `started` is the one that matters for never calling twice; `prepared` tells the worker its
 * claim ran and must be given back when nothing started.
 */
export type CallLimiterFailure = 'paused' | 'not_admitted' | 'unavailable' | 'expired' | 'closed';

export class CallLimiterError extends Error {
  readonly reason: CallLimiterFailure;
  readonly started: boolean;
  readonly prepared: boolean;
  readonly retryInMs: number | undefined;

  constructor(
    reason: CallLimiterFailure,
    message: string,
    fields: { started: boolean; prepared?: boolean; retryInMs?: number; cause?: unknown },
  ) {
    super(message, { cause: fields.cause });
    this.name = 'CallLimiterError';
    this.reason = reason;
    this.started = fields.started;
    this.prepared = fields.prepared ?? false;
    this.retryInMs = fields.retryInMs;
  }

  withPrepared(prepared: boolean): CallLimiterError {
    if (prepared === this.prepared) return this;
    return new CallLimiterError(this.reason, this.message, {
      started: this.started,
      prepared,
      retryInMs: this.retryInMs,
      cause: this.cause,
    });
  }
}
