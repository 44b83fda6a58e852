import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.ts';
import { resolveServices } from '../../src/dev/local-services/local-services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Admin URL of the Postgres server (database `postgres`). */
    postgresAdminUrl: string;
    /** A migrated database every test file clones its own from. */
    templateDatabase: string;
    servicePaths: { redis: string; postgres: string };
  }
}

const TEMPLATE = 'callcast_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await resolveServices({ env: process.env, purpose: 'test' });
  try {
    await createTemplate(services.databaseUrl);
  } catch (err) {
    await services.stop();
    throw err;
  }
  project.provide('redisUrl', services.redisUrl);
  project.provide('postgresAdminUrl', services.databaseUrl);
  project.provide('templateDatabase', TEMPLATE);
  project.provide('servicePaths', services.paths);
  return () => services.stop();
}

async function createTemplate(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE} with (force)`);
    await admin.query(`create database ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE}`;
  await migrate(url.toString());
}
