import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repository functions take either, so callers can compose them in one transaction. */
export type DbOrTrx = Db | Trx;

// bigint (int8) ids and counts come back as strings by default; keep them as strings (ids can
// exceed 2^53 in theory) but parse COUNT(*) results where needed.

// Connection-level failures talking to Postgres: nothing was stored, the same work can be retried later.
const UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|Connection terminated|the database system is (starting up|shutting down)/i;

/** True when `thrown` says Postgres could not be reached (down, restarting, pool timeout). */
export function isStorageUnavailable(thrown: unknown): boolean {
  const err = thrown as { code?: unknown; message?: unknown } | null | undefined;
  return err?.code === 'ECONNREFUSED' || UNAVAILABLE.test(String(err?.message ?? ''));
}

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
  // A checked-out client whose connection resets mid-query (Postgres restarted) rejects that query
  // and also emits 'error', which pg-pool listens for only while the client is idle: unheard, it
  // would crash the process. The query's rejection already reports the outage.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

// Kysely hides its pool; metrics read the pool's counts through this.
const pools = new WeakMap<Db, pg.Pool>();

/** The pool's connections (total, idle) and queries waiting for one; undefined for a Db not made by createDb. */
export function poolCounts(db: Db): { total: number; idle: number; waiting: number } | undefined {
  const pool = pools.get(db);
  return pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}
