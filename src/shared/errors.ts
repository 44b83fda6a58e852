/**
 * One error type for the whole service. `code` is stable and machine-readable (clients switch on
 * it); `httpStatus` is what the API answers; `details` names the offending field(s).
 */
export type ErrorCode =
  | 'config_invalid'
  | 'validation_failed'
  | 'invalid_json'
  | 'invalid_csv'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'not_found'
  | 'gone'
  | 'idempotency_key_reused'
  | 'invalid_state'
  | 'rate_limited'
  | 'too_many_uploads'
  | 'upload_timeout'
  | 'connect_not_allowed'
  | 'premium_rate_number'
  | 'shared_cost_number'
  | 'number_type_not_allowed'
  | 'from_not_registered'
  | 'service_unavailable'
  | 'services_missing'
  | 'internal_error';

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: unknown;

  constructor(code: ErrorCode, httpStatus: number, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.details = options.details;
  }
}

/** Anything thrown becomes an Error, so callers can rely on `.message` and `.stack`. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(`Non-error thrown: ${JSON.stringify(thrown)}`);
  } catch {
    return new Error(`Non-error thrown: ${String(thrown)}`);
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('not_found', 404, `${what} ${id} was not found`, { details: { id } });
