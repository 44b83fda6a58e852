import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repository functions take either, so callers can compose them in one transaction. */
export type DbOrTrx = Db | Trx;

// bigint (int8) ids and counts come back as strings by default; keep them as strings (ids can
// exceed 2^53 in theory) but parse COUNT(*) results where needed.

export interface DbOptions {
  /** Pool size per process; the API and workers each hold one pool. */
  max?: number;
}

export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    // A dead Postgres must fail requests quickly (503) rather than hang them.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next query reports the outage instead.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
