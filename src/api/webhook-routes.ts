import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isStorageUnavailable } from '../db/connect.ts';
import { AppError } from '../shared/errors.ts';
import { countWebhookEvent } from '../shared/metrics.ts';
import type { WebhookBase } from '../shared/webhook-urls.ts';
import { suppress } from '../suppressions/suppression-service.ts';
import { answerNcco, FALLBACK_NCCO } from '../webhooks/answer-ncco.ts';
import { parseEvent } from '../webhooks/event-payload.ts';
import { storeEvent } from '../webhooks/event-receiver.ts';
import { answerInput } from '../webhooks/input-answer.ts';
import { parseInput } from '../webhooks/input-payload.ts';
import { isRecordEvent, storeRecording } from '../webhooks/recording-receiver.ts';
import { checkWebhookToken, type JtiClaim, verifySignedCallback } from '../webhooks/webhook-auth.ts';
import type { ApiDeps } from './deps.ts';

// Gateway callbacks are small JSON objects; anything near this is not one of them.
const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

const attemptQuery = z.looseObject({ attempt: z.guid() });

/**
 * Public gateway callbacks, authenticated by the URL token (and the Vonage signature when a
 * secret is configured). Encapsulated so its raw-body parser applies here only: the signature
 * hashes the exact bytes received, never re-serialized JSON.
 */
export async function webhookRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { buffer, stored } = deps.eventIntake;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: CALLBACK_BODY_LIMIT_BYTES }, (_req, body, done) =>
      done(null, body),
    );

    const event = async (request: FastifyRequest) => {
      const claim = await authenticate(request, deps);
      try {
        const attemptId = attemptIdOf(request.query);
        const fields = request.method === 'GET' ? callbackFields(request.query) : jsonBody(request);
        // A `record` event has no status; it is stored as the attempt's recording (issue 13).
        if (isRecordEvent(fields)) return await storeRecording(deps.db, attemptId, fields);
        const parsed = parseEvent(fields);
        const result = await storeEvent(deps.db, attemptId, parsed).catch(async (err: unknown) => {
          if (!isStorageUnavailable(err)) throw err;
          // Postgres down: the event waits in Redis rather than being refused (the gateway
          // retries only once). Redis down as well: the original 503 asks the gateway to retry.
          await buffer.push(attemptId, fields).catch(() => Promise.reject(err));
          return { stored: true as const, buffered: true as const };
        });
        countWebhookEvent(result);
        if (result.stored && 'attemptFound' in result && result.attemptFound) stored();
        return result;
      } catch (err) {
        // The gateway will deliver again after an error; let that delivery's jti through.
        await claim?.release().catch(() => {});
        throw err;
      }
    };
    scope.post('/webhooks/event', event);
    scope.get('/webhooks/event', event);

    // Token only: the answer fetch is read-only and idempotent, and a signature on it is not
    // something to rely on (the simulator, like older Vonage applications, sends none).
    const answer = async (request: FastifyRequest) => {
      checkWebhookToken(deps.config.webhookToken, (request.query as Record<string, unknown>).token);
      const parsed = attemptQuery.safeParse(request.query);
      if (!parsed.success) return [...FALLBACK_NCCO];
      const result = await answerNcco(deps.db, parsed.data.attempt, webhookBase(deps, request));
      if (!result.found) request.log.warn({ attemptId: parsed.data.attempt }, 'answer webhook for unknown attempt');
      return result.ncco;
    };
    scope.post('/webhooks/answer', answer);
    scope.get('/webhooks/answer', answer);

    // An `input` action's result (issue 13): same checks as events; the reply NCCO is due in 5 s.
    const input = async (request: FastifyRequest) => {
      const claim = await authenticate(request, deps);
      try {
        const attemptId = attemptIdOf(request.query);
        const fields = request.method === 'GET' ? callbackFields(request.query) : jsonBody(request);
        const result = await answerInput(
          {
            db: deps.db,
            base: webhookBase(deps, request),
            optOut: async (apiKeyId, number) => {
              const { db, queue, logger } = deps;
              await suppress({ db, queue, logger, defaultRegion: deps.config.defaultRegion }, apiKeyId, [number]);
            },
          },
          attemptId,
          parseInput(fields),
        );
        if (!result.found) request.log.warn({ attemptId }, 'input webhook for unknown attempt');
        return result.ncco;
      } catch (err) {
        await claim?.release().catch(() => {});
        throw err;
      }
    };
    scope.post('/webhooks/input', input);
    scope.get('/webhooks/input', input);
  });
}

/** Where follow-up callbacks go: PUBLIC_URL, or the origin this callback reached (the API often has none set). */
function webhookBase(deps: ApiDeps, request: FastifyRequest): WebhookBase {
  const publicUrl = deps.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return { publicUrl, webhookToken: deps.config.webhookToken ?? '' };
}

async function authenticate(request: FastifyRequest, deps: ApiDeps): Promise<JtiClaim | undefined> {
  checkWebhookToken(deps.config.webhookToken, (request.query as Record<string, unknown>).token);
  const secret = deps.config.webhookSignatureSecret;
  if (!secret) return undefined;
  return verifySignedCallback({
    secret,
    authorization: request.headers.authorization,
    rawBody: rawBodyOf(request),
    redis: deps.redis,
    keyPrefix: deps.config.redisKeyPrefix,
  });
}

function rawBodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function attemptIdOf(query: unknown): string {
  const parsed = attemptQuery.safeParse(query);
  if (!parsed.success) throw new AppError('validation_failed', 400, 'Invalid query: attempt must be an attempt id');
  return parsed.data.attempt;
}

function jsonBody(request: FastifyRequest): unknown {
  const raw = rawBodyOf(request);
  if (raw.length === 0) throw new AppError('invalid_json', 400, 'Invalid event: the body is empty');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new AppError('invalid_json', 400, `Invalid event: body is not valid JSON (${(err as Error).message})`);
  }
}

/** With event_method GET the event arrives as query parameters, beside our own two. */
function callbackFields(query: unknown): Record<string, unknown> {
  const { attempt: _attempt, token: _token, ...fields } = query as Record<string, unknown>;
  return fields;
}
