import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, notFound } from './errors.ts';

/** The request's media type without parameters (`application/json; charset=utf-8` → `application/json`). */
function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Fastify parses `text/plain` (and our CSV) by default too; an endpoint that wants JSON says so
 * with a 415 instead of a confusing "expected object" validation error.
 */
export function requireMediaType(request: FastifyRequest, accepted: readonly string[]): string {
  const type = mediaTypeOf(request);
  if (!accepted.includes(type)) {
    throw new AppError('unsupported_media_type', 415, `Content-Type must be ${accepted.join(' or ')}`, {
      details: { received: type || null, accepted },
    });
  }
  return type;
}

const uuid = z.uuid();

/** A campaign id from the path; something that is not a UUID cannot exist, so it is a 404. */
export function campaignIdParam(request: FastifyRequest): string {
  const id = (request.params as { id?: string }).id ?? '';
  if (!uuid.safeParse(id).success) throw notFound('Campaign', id);
  return id;
}

/** Opaque page cursors: the last item's id, base64url-encoded so clients treat it as a token. */
export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!uuid.safeParse(id).success) {
    throw new AppError('validation_failed', 400, 'Invalid query: cursor', {
      details: [{ field: 'cursor', code: 'invalid_cursor', message: 'use nextCursor from a previous page' }],
    });
  }
  return id;
}
