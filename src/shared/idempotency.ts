import { createHash } from 'node:crypto';
import type { Trx } from '../db/connect.ts';
import { AppError } from './errors.ts';

/**
 * `Idempotency-Key` support, scoped per API key. The key is claimed inside the request's own
 * transaction before any work: a concurrent twin's claim blocks on the primary key until the
 * first commits (it then replays the stored answer) or rolls back (it then does the work
 * itself). A failed request leaves no key behind, so fixing the body and retrying works.
 */

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  /** From `requestHash`; the same key with another request is `idempotency_key_reused`. */
  requestHash: string;
}

// Long enough for a UUID or a client's composite key; short enough to index cheaply.
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Validates the header value; undefined when the client sent none. */
export function idempotencyKeyFrom(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !KEY_PATTERN.test(value)) {
    throw new AppError('validation_failed', 400, 'Idempotency-Key must be 1–255 visible ASCII characters', {
      details: [{ field: 'Idempotency-Key', code: 'invalid_format', message: '1–255 visible ASCII characters' }],
    });
  }
  return value;
}

/** What a POST with an `Idempotency-Key` header claims (undefined without the header). */
export function claimFor(
  request: { headers: Record<string, string | string[] | undefined>; body: unknown },
  path: string,
): Pick<IdempotencyClaim, 'key' | 'requestHash'> | undefined {
  const key = idempotencyKeyFrom(request.headers['idempotency-key']);
  return key ? { key, requestHash: requestHash('POST', path, request.body) } : undefined;
}

/** A hash of what makes two requests "the same": method, path and the body with keys sorted. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs `work` once per key: returns `{ replayed: true }` with the first answer when the key was
 * used before with the same request. Must run inside the transaction `work` writes in.
 */
export async function runIdempotent(
  trx: Trx,
  claim: IdempotencyClaim,
  work: () => Promise<StoredAnswer>,
): Promise<StoredAnswer & { replayed: boolean }> {
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ api_key_id: claim.apiKeyId, key: claim.key, request_hash: claim.requestHash })
    .onConflict((oc) => oc.columns(['api_key_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (!claimed) return { ...(await storedAnswer(trx, claim)), replayed: true };
  const answer = await work();
  await trx
    .updateTable('idempotency_keys')
    .set({ response_status: answer.status, response_body: JSON.stringify(answer.body) })
    .where('api_key_id', '=', claim.apiKeyId)
    .where('key', '=', claim.key)
    .execute();
  return { ...answer, replayed: false };
}

async function storedAnswer(trx: Trx, claim: IdempotencyClaim): Promise<StoredAnswer> {
  const row = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response_status', 'response_body'])
    .where('api_key_id', '=', claim.apiKeyId)
    .where('key', '=', claim.key)
    .executeTakeFirstOrThrow();
  if (row.request_hash !== claim.requestHash) {
    throw new AppError('idempotency_key_reused', 422, 'This Idempotency-Key was used with a different request', {
      details: { key: claim.key },
    });
  }
  // The claim and its answer commit together, so a visible claim always carries its answer.
  return { status: row.response_status ?? 500, body: row.response_body };
}
