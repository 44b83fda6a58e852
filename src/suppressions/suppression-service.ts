import type { Db } from '../db/connect.ts';
import { type CallQueue, removeCallJobs } from '../queue/queue.ts';
import { AppError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { type E164, toE164 } from '../shared/phone-number.ts';
import { addSuppressions, removeSuppressions } from './suppression-repository.ts';

export interface NumberRejection {
  index: number;
  number: string;
  code: 'invalid_number' | 'number_not_possible';
}

export interface SuppressionChange {
  /** Valid distinct numbers in the request. */
  accepted: number;
  /** How many of them changed the list (newly added, or actually removed). */
  changed: number;
  rejectedCount: number;
  rejected: NumberRejection[];
}

/** Normalizes every number; invalid ones are reported by index, like recipient rows. */
function normalizeNumbers(
  numbers: readonly string[],
  defaultRegion: string,
): { valid: E164[]; rejected: NumberRejection[] } {
  const valid = new Set<E164>();
  const rejected: NumberRejection[] = [];
  numbers.forEach((input, index) => {
    const parsed = toE164(input, defaultRegion);
    if (parsed.ok) valid.add(parsed.number);
    else rejected.push({ index, number: input.trim(), code: parsed.problem });
  });
  return { valid: [...valid], rejected };
}

export interface SuppressDeps {
  db: Db;
  queue: CallQueue;
  logger: Logger;
  defaultRegion: string;
}

/** Adds numbers to the list and withdraws their never-dialed attempts (jobs removed after commit). */
export async function suppress(
  deps: SuppressDeps,
  apiKeyId: string,
  numbers: readonly string[],
): Promise<SuppressionChange> {
  const { valid, rejected } = normalizeNumbers(numbers, deps.defaultRegion);
  const { added, withdrawnAttempts } = await deps.db
    .transaction()
    .execute((trx) => addSuppressions(trx, apiKeyId, valid));
  if (withdrawnAttempts.length > 0) await removeJobs(deps, withdrawnAttempts);
  return { accepted: valid.length, changed: added, rejectedCount: rejected.length, rejected };
}

// The attempts are gone from Postgres, so a job left in Redis fails its claim and is dropped.
async function removeJobs(deps: SuppressDeps, attemptIds: string[]): Promise<void> {
  try {
    await removeCallJobs(deps.queue, attemptIds);
  } catch (err) {
    deps.logger.warn({ err, attempts: attemptIds.length }, 'could not remove jobs of suppressed numbers');
  }
}

export async function unsuppress(
  db: Db,
  apiKeyId: string,
  numbers: readonly string[],
  defaultRegion: string,
): Promise<SuppressionChange> {
  const { valid, rejected } = normalizeNumbers(numbers, defaultRegion);
  const changed = await removeSuppressions(db, apiKeyId, valid);
  return { accepted: valid.length, changed, rejectedCount: rejected.length, rejected };
}

/** DELETE /v1/suppressions/:number: one number, which must parse and be on the list. */
export async function unsuppressOne(db: Db, apiKeyId: string, input: string, defaultRegion: string): Promise<void> {
  const parsed = toE164(input, defaultRegion);
  if (!parsed.ok) {
    throw new AppError('validation_failed', 400, `Invalid path: number (${parsed.problem})`, {
      details: [{ field: 'number', code: parsed.problem, message: 'not a valid phone number' }],
    });
  }
  if ((await removeSuppressions(db, apiKeyId, [parsed.number])) === 0) {
    throw new AppError('not_found', 404, `${parsed.number} is not suppressed`, { details: { number: parsed.number } });
  }
}
