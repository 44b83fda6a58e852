import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.ts';
import { type ResolvedServices, resolveServices } from '../../src/dev/local-services/local-services.ts';
import { note } from './output.ts';

/**
 * Redis and Postgres for one benchmark run, started once: the real `redis-server` and
 * `postgres` binaries on loopback (the demo's path), unless REDIS_URL / DATABASE_URL are set.
 * A migrated template database is cloned for each variant, so variants never see each other's rows.
 */
export interface BenchServices {
  readonly redisUrl: string;
  readonly adminUrl: string;
  readonly paths: ResolvedServices['paths'];
  /** Folder for child logs and generated files of this run. */
  readonly runDir: string;
  /** A fresh, migrated database; returns its URL. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export async function startServices(): Promise<BenchServices> {
  const runDir = mkdtempSync(join(tmpdir(), 'callcast-bench-'));
  note(`logs and generated files in ${runDir}`);
  // Docker is not probed: the numbers should always come from the same kind of servers.
  const services = await resolveServices({ env: process.env, purpose: 'demo', dockerAvailable: false });
  const template = `bench_template_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  try {
    await admin(services.databaseUrl, `create database ${template}`);
    created.push(template);
    await migrate(withDatabase(services.databaseUrl, template));
  } catch (err) {
    await services.stop();
    throw err;
  }
  return {
    redisUrl: services.redisUrl,
    adminUrl: services.databaseUrl,
    paths: services.paths,
    runDir,
    async freshDatabase() {
      const name = `bench_${randomBytes(5).toString('hex')}`;
      await admin(services.databaseUrl, `create database ${name} template ${template}`);
      created.push(name);
      return withDatabase(services.databaseUrl, name);
    },
    async stop() {
      // Servers we started vanish with their folders; databases on a given server are dropped.
      if (services.paths.postgres === 'env') {
        for (const name of created.splice(0).reverse()) {
          await admin(services.databaseUrl, `drop database if exists ${name} with (force)`).catch(() => {});
        }
      }
      await services.stop();
    },
  };
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
