import type { DbOrTrx } from '../db/connect.ts';
import { AppError } from '../shared/errors.ts';

/** A key's weight scales its share of the create-call rate against other keys with due work. */
const MAX_KEY_WEIGHT = 1000;

/**
 * Sets the weight of the active key(s) named `name` (`callcast keys weight <key-name> <n>`);
 * the feeder hands it to the fair-share scheduler from its next pass. Returns the keys changed.
 */
export async function setKeyWeight(db: DbOrTrx, name: string, weight: number): Promise<Array<{ id: string }>> {
  if (!Number.isInteger(weight) || weight < 1 || weight > MAX_KEY_WEIGHT) {
    throw new AppError('validation_failed', 400, `weight must be a whole number from 1 to ${MAX_KEY_WEIGHT}`, {
      details: [{ field: 'weight', message: 'integer 1–1000' }],
    });
  }
  const rows = await db
    .updateTable('api_keys')
    .set({ weight })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  if (rows.length === 0) throw new AppError('not_found', 404, `no active API key named "${name}"`);
  return rows;
}

/** The CLI's `keys weight <key-name> <n>` arguments: the name may contain spaces, `n` is last. */
export function parseWeightArgs(args: readonly string[]): { name: string; weight: number } | undefined {
  if (args.length < 2) return undefined;
  const weight = Number(args.at(-1));
  const name = args.slice(0, -1).join(' ').trim();
  return name && Number.isFinite(weight) ? { name, weight } : undefined;
}
