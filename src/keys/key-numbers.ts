import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import { AppError } from '../shared/errors.ts';
import type { E164 } from '../shared/phone-number.ts';

/**
 * Caller ids pinned per API key (migration 0011). A key's registered numbers are the only `from`
 * its campaigns and reminders may use, so one tenant cannot present another tenant's number.
 * A key with none registered is unrestricted, as before pinning existed.
 */

/** The active key with this name; a missing or ambiguous name is a usage error. */
export async function apiKeyIdByName(db: DbOrTrx, name: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    select id from api_keys where name = ${name} and revoked_at is null order by created_at limit 2`.execute(db);
  if (rows.length === 0) throw new AppError('not_found', 404, `No active API key is named "${name}"`);
  if (rows.length > 1) throw new AppError('validation_failed', 400, `Several active API keys are named "${name}"`);
  return (rows[0] as { id: string }).id;
}

export async function addKeyNumbers(db: DbOrTrx, apiKeyId: string, numbers: readonly E164[]): Promise<void> {
  if (numbers.length === 0) return;
  await sql`
    insert into api_key_numbers (api_key_id, number)
    select ${apiKeyId}::uuid, n from unnest(${sql.val(numbers)}::text[]) as n
    on conflict do nothing`.execute(db);
}

export async function removeKeyNumbers(db: DbOrTrx, apiKeyId: string, numbers: readonly E164[]): Promise<void> {
  await sql`
    delete from api_key_numbers where api_key_id = ${apiKeyId}::uuid and number = any(${sql.val(numbers)}::text[])`.execute(
    db,
  );
}

export async function listKeyNumbers(db: DbOrTrx, apiKeyId: string): Promise<string[]> {
  const { rows } = await sql<{ number: string }>`
    select number from api_key_numbers where api_key_id = ${apiKeyId}::uuid order by number`.execute(db);
  return rows.map((row) => row.number);
}

/** Throws 400 `from_not_registered` (field `from`) when the key pins caller ids and `from` is not one. */
export async function assertFromRegistered(db: DbOrTrx, apiKeyId: string, from: string): Promise<void> {
  const { rows } = await sql<{ pinned: boolean; registered: boolean }>`
    select exists (select 1 from api_key_numbers where api_key_id = ${apiKeyId}::uuid) as pinned,
           exists (select 1 from api_key_numbers where api_key_id = ${apiKeyId}::uuid and number = ${from}) as registered`.execute(
    db,
  );
  const row = rows[0];
  if (!row?.pinned || row.registered) return;
  throw new AppError('from_not_registered', 400, `Invalid body: from (${from} is not registered for this API key)`, {
    details: [
      { field: 'from', code: 'from_not_registered', message: 'use one of the numbers registered for this key' },
    ],
  });
}
