import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { AppError } from '../shared/errors.ts';

/** Lifetime of each application JWT: Vonage's default is 15 min; a short one limits a leaked token's use. */
const JWT_LIFETIME_S = 300;

/** Reads VONAGE_PRIVATE_KEY: PEM text, or a path to a PEM file. */
export function loadPrivateKey(value: string): KeyObject {
  const pem = value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readKeyFile(value);
  try {
    return createPrivateKey(pem);
  } catch (thrown) {
    throw new AppError('config_invalid', 500, 'VONAGE_PRIVATE_KEY is not a readable private key', { cause: thrown });
  }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (thrown) {
    throw new AppError('config_invalid', 500, `VONAGE_PRIVATE_KEY: cannot read key file ${path}`, { cause: thrown });
  }
}

/** An RS256 application JWT for Vonage directly (claims application_id, iat, jti, exp), new per request. */
export function signApplicationJwt(applicationId: string, key: KeyObject): Promise<string> {
  return new SignJWT({ application_id: applicationId })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${JWT_LIFETIME_S}s`)
    .sign(key);
}
