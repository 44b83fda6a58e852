import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// One arbitrary constant: every callcast process migrating the same database queues on it.
const MIGRATION_LOCK_KEY = 727_000_001;
const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies every `migrations/NNNN_name.sql` not yet recorded, in order, each in its own
 * transaction, under an advisory lock so concurrent starters apply each file exactly once.
 */
export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = await listMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      `create table if not exists schema_migrations (
         version text primary key,
         applied_at timestamptz not null default now())`,
    );
    const { rows } = await client.query<{ version: string }>('select version from schema_migrations');
    const done = new Set(rows.map((row) => row.version));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      if (done.has(file)) {
        result.alreadyApplied.push(file);
        continue;
      }
      await applyOne(client, dir, file);
      result.applied.push(file);
    }
    return result;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

async function listMigrations(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql'));
  const bad = names.filter((name) => !FILE_PATTERN.test(name));
  if (bad.length > 0) throw new Error(`Migration files must be named NNNN_name.sql: ${bad.join(', ')}`);
  return names.sort();
}

async function applyOne(client: pg.Client, dir: string, file: string): Promise<void> {
  const sql = await readFile(`${dir}/${file}`, 'utf8');
  await client.query('begin');
  try {
    await client.query(sql);
    await client.query('insert into schema_migrations (version) values ($1)', [file]);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw new Error(`Migration ${file} failed: ${(err as Error).message}`, { cause: err });
  }
}
