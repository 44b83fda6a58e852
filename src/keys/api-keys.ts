import { createHash, randomBytes } from 'node:crypto';
import type { DbOrTrx } from '../db/connect.ts';

const KEY_PREFIX = 'cc_';

function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a key and returns it once; only its hash is stored. */
export async function createApiKey(db: DbOrTrx, name: string): Promise<{ id: string; key: string }> {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  const row = await db
    .insertInto('api_keys')
    .values({ name, key_hash: hashApiKey(key) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key };
}

/** The id of the active key with this value, or undefined. */
export async function findApiKeyId(db: DbOrTrx, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.id;
}
