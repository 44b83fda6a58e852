import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (standardwebhooks.com): the secret is `whsec_<base64 key>`; the
 * signature is base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), sent as
 * `webhook-signature: v1,<signature>` (space-separated when two secrets are valid during a
 * rotation). Receivers verify with the `standardwebhooks` or `svix` packages.
 */

/** A new signing secret: 24 random bytes (192 bits), in the `whsec_` form receivers expect. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

/** The three Standard Webhooks headers for one try. */
export function signatureHeaders(
  secrets: readonly string[],
  id: string,
  body: string,
  now: Date = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => `v1,${sign(secret, id, timestamp, body)}`).join(' '),
  };
}
