import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.ts';
import { findApiKeyId } from '../keys/api-keys.ts';
import { AppError } from '../shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's API key id; set on every /v1 request. */
    apiKeyId: string;
  }
}

/** Requires `Authorization: Bearer <key>` on every route registered in `scope`. */
export function requireApiKey(scope: FastifyInstance, db: Db): void {
  scope.decorateRequest('apiKeyId', '');
  scope.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError('unauthorized', 401, 'Missing API key: send Authorization: Bearer <key>');
    const id = await findApiKeyId(db, match[1]);
    if (!id) throw new AppError('unauthorized', 401, 'Unknown or revoked API key');
    request.apiKeyId = id;
  });
}
