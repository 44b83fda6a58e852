import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './deps.ts';

const ADMIN_QUEUES_PATH = '/admin/queues';
const REALM = 'callcast admin';
const FONT_CDN_LINK = /<link[^>]*fonts\.googleapis\.com[^>]*>/g;

/**
 * Bull Board, for operators to inspect the call queue, at /admin/queues. Off (no route, so a
 * 404) unless ADMIN_TOKEN is set; then every request under it needs the token, either as
 * `Authorization: Bearer <token>` (scripts) or as the password of HTTP basic auth with any user
 * name (a browser asks for it once, on the 401's challenge). Read-only: Postgres is the truth,
 * and a job removed or promoted by hand would only be re-added or re-checked by the worker.
 */
export async function adminRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const token = deps.config.adminToken;
  if (!token) return;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(deps.queue, { readOnlyMode: true })],
    // @bull-board/fastify pins its own copy of @bull-board/api (one patch older); the two
    // declare the same classes separately, so TypeScript needs telling they are one interface.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'callcast queues' } },
  });
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (!presentsToken(request, token)) return refuse(reply);
    });
    // Bull Board's page links Google's font CDN; the UI falls back to system fonts without it,
    // and an operator's browser then asks nothing of any host but this one.
    scope.addHook('onSend', async (_request, reply, payload) =>
      typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('text/html')
        ? payload.replace(FONT_CDN_LINK, '')
        : payload,
    );
    await scope.register(serverAdapter.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
  });
}

/** The credential from a Bearer header or a basic-auth password; compared in constant time. */
function presentsToken(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const [scheme, value = ''] = header.split(' ', 2);
  let offered: string | undefined;
  if (scheme?.toLowerCase() === 'bearer') offered = value.trim();
  else if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    offered = decoded.slice(decoded.indexOf(':') + 1);
  }
  return offered !== undefined && sameSecret(offered, token);
}

/** Equal-length digests, so neither the content nor the length of the token leaks through timing. */
function sameSecret(offered: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(token));
}

function refuse(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', `Basic realm="${REALM}", charset="UTF-8"`)
    .send({
      error: {
        code: 'unauthorized',
        message: 'Admin pages need the ADMIN_TOKEN: Authorization: Bearer <token>, or basic auth with it as password',
        details: [{ field: 'authorization', code: 'invalid_admin_token', message: 'missing or wrong admin token' }],
      },
    });
}
