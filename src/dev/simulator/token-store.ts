import { randomBytes } from 'node:crypto';

export type TokenCheck = 'valid' | 'missing' | 'invalid' | 'expired';

/** Access tokens the simulated Apigee token endpoint has issued, with their expiry. */
export class TokenStore {
  private readonly tokens = new Map<string, number>();
  issued = 0;

  issue(lifetimeSeconds: number, now: number): { token: string; expiresAt: number } {
    // Expired tokens are forgotten lazily so a long benchmark does not grow the map forever.
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
    const token = randomBytes(18).toString('base64url');
    const expiresAt = now + lifetimeSeconds * 1000;
    this.tokens.set(token, expiresAt);
    this.issued += 1;
    return { token, expiresAt };
  }

  check(authorization: string | undefined, now: number): TokenCheck {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return 'missing';
    const expiresAt = this.tokens.get(match[1] as string);
    if (expiresAt === undefined) return 'invalid';
    return expiresAt > now ? 'valid' : 'expired';
  }

  /** Invalidates every token, as a key rotation on the gateway would. */
  revokeAll(): void {
    this.tokens.clear();
  }
}

/** Apigee's fault body for a token it does not accept. */
export function tokenFault(check: Exclude<TokenCheck, 'valid'>): unknown {
  const faults = {
    missing: ['Invalid access token', 'oauth.v2.InvalidAccessToken'],
    invalid: ['Invalid access token', 'oauth.v2.InvalidAccessToken'],
    expired: ['Access Token expired', 'keymanagement.service.access_token_expired'],
  } as const;
  const [faultstring, errorcode] = faults[check];
  return { fault: { faultstring, detail: { errorcode } } };
}
