import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../shared/errors.ts';

/**
 * How far a signed callback's `iat` may be from our clock. Vonage retries a delivery within
 * seconds, so five minutes covers retries and clock skew while keeping the replay window short.
 */
const IAT_WINDOW_SECONDS = 300;
/** A used `jti` is remembered a little longer than the `iat` window lets the token be valid. */
const JTI_TTL_SECONDS = 2 * IAT_WINDOW_SECONDS + 60;

const unauthorized = (message: string, cause?: unknown) => new AppError('unauthorized', 401, message, { cause });

/** Compares the URL token with the deployment's in constant time (hashes make lengths equal). */
export function checkWebhookToken(expected: string | undefined, given: unknown): void {
  if (!expected) throw unauthorized('Webhooks are disabled: WEBHOOK_TOKEN is not configured');
  if (typeof given !== 'string' || given === '') throw unauthorized('Missing webhook token');
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  if (!timingSafeEqual(a, b)) throw unauthorized('Bad webhook token');
}

export interface SignatureCheck {
  secret: string;
  authorization: string | undefined;
  rawBody: Buffer;
  redis: Redis;
  /** Redis key prefix of the deployment. */
  keyPrefix: string;
  now?: Date;
}

/** A verified signature's `jti`, held until the event is stored; released if storing fails. */
export interface JtiClaim {
  release(): Promise<void>;
}

/**
 * Verifies Vonage's signed-callback JWT (docs/gateway-facts.md §5): HS256 only, `payload_hash` equal to
 * the SHA-256 of the raw body bytes, `iat` within the window, and a `jti` never seen before.
 */
export async function verifySignedCallback(check: SignatureCheck): Promise<JtiClaim> {
  const match = /^Bearer\s+(\S+)$/i.exec(check.authorization ?? '');
  if (!match?.[1]) throw unauthorized('Missing signature: expected Authorization: Bearer <JWT>');
  const payload = await verifyJwt(match[1], check.secret);
  const bodyHash = createHash('sha256').update(check.rawBody).digest('hex');
  const claimed = payload.payload_hash;
  if (claimed === undefined ? check.rawBody.length > 0 : !sameHex(String(claimed), bodyHash)) {
    throw unauthorized('Signature does not match the body (payload_hash)');
  }
  const now = Math.floor((check.now ?? new Date()).getTime() / 1000);
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > IAT_WINDOW_SECONDS) {
    throw unauthorized('Signature iat is missing or outside the accepted window');
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') throw unauthorized('Signature has no jti');
  const key = `${check.keyPrefix}:webhook-jti:${payload.jti}`;
  const fresh = await check.redis.set(key, '1', 'EX', JTI_TTL_SECONDS, 'NX');
  if (fresh !== 'OK') throw unauthorized('Signature was already used (jti replay)');
  return {
    release: async () => {
      await check.redis.del(key);
    },
  };
}

async function verifyJwt(token: string, secret: string): Promise<Record<string, unknown>> {
  try {
    // iat is checked by hand above: jose's maxTokenAge would reject future iat only by tolerance.
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
    return payload;
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw unauthorized(`Bad signature: ${err.code}`, err);
    throw err;
  }
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
