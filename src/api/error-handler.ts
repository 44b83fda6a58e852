import type { FastifyError, FastifyInstance } from 'fastify';
import { isStorageUnavailable } from '../db/connect.ts';
import { AppError, coerceError } from '../shared/errors.ts';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Fastify's own errors, mapped onto our stable codes. */
const FASTIFY_CODES: Record<string, { code: AppError['code']; status: number }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', status: 415 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_failed', status: 400 },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', status: 413 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', status: 400 },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', status: 400 },
};

// Values valid JSON can carry but Postgres cannot store: NUL characters (22021 in text, 22P05 in
// jsonb) and JSON nested deeper than its parser's stack (54001). The request is at fault, not us.
const UNSTORABLE = new Set(['22021', '22P05', '54001']);

function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  const err = coerceError(thrown) as FastifyError & { code?: string };
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return new AppError(known.code, known.status, err.message, { cause: err });
  if (err.code && UNSTORABLE.has(err.code)) {
    return new AppError('validation_failed', 400, `A value in the request cannot be stored: ${err.message}`, {
      cause: err,
    });
  }
  if (err instanceof SyntaxError && (err as FastifyError).statusCode === 400) {
    return new AppError('invalid_json', 400, `Body is not valid JSON: ${err.message}`, { cause: err });
  }
  if (isStorageUnavailable(err)) {
    return new AppError('service_unavailable', 503, 'Storage is unavailable; retry later', { cause: err });
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError('validation_failed', status, err.message, { cause: err });
  }
  return new AppError('internal_error', 500, 'Internal error', { cause: err });
}

/** One renderer for every error; unknown errors become a 500 without internals. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown, request, reply) => {
    const error = toAppError(thrown);
    if (error.httpStatus >= 500) request.log.error({ err: error.cause ?? error }, error.message);
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    if (error.code === 'service_unavailable') void reply.header('retry-after', '5');
    return reply.status(error.httpStatus).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } }),
  );
}
