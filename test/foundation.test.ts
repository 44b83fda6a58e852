import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import { requireBinaries } from '../src/dev/local-services/binaries.ts';
import { resolveServices } from '../src/dev/local-services/local-services.ts';
import { createTestDatabase, type TestDatabase } from './support/services.ts';

const run = promisify(execFile);
const CLI = new URL('../bin/callcast.js', import.meta.url).pathname;

describe('real services', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('reaches a real Redis', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('applies migrations twice without error, the second time as a no-op', async () => {
    const again = await migrate(database.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('select count(*)::int as n from schema_migrations');
    await client.end();
    expect(rows[0].n).toBe(again.alreadyApplied.length);
  });

  it('applies migrations concurrently exactly once', async () => {
    const fresh = await createTestDatabase();
    try {
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      await client.query('drop schema public cascade; create schema public');
      await client.end();
      const results = await Promise.all([migrate(fresh.url), migrate(fresh.url), migrate(fresh.url)]);
      const appliedTotal = results.reduce((sum, result) => sum + result.applied.length, 0);
      expect(appliedTotal).toBe(results[0]!.applied.length + results[0]!.alreadyApplied.length);
    } finally {
      await fresh.drop();
    }
  });
});

describe('service resolution', () => {
  it('uses REDIS_URL and DATABASE_URL as given, starting nothing', async () => {
    const services = await resolveServices({
      env: { REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' },
      purpose: 'test',
    });
    expect(services.paths).toEqual({ redis: 'env', postgres: 'env' });
    expect(services.redisUrl).toBe('redis://127.0.0.1:1');
    await services.stop();
  });

  it('starts real binaries on loopback when no engine answers, and removes them on stop', async () => {
    const services = await resolveServices({ env: {}, purpose: 'test', dockerAvailable: false });
    expect(services.paths).toEqual({ redis: 'binaries', postgres: 'binaries' });
    const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on('error', () => {}); // the refused reconnects after stop are the point of the test
    expect(await redis.ping()).toBe('PONG');
    const client = new pg.Client({ connectionString: services.databaseUrl });
    await client.connect();
    expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    await client.end();
    await services.stop();
    await expect(redis.ping()).rejects.toThrow();
    redis.disconnect();
  });

  it('names the packages to install when a binary is missing', () => {
    expect(() => requireBinaries(['no-such-server-binary'])).toThrow(/apt-get install -y redis-server postgresql/);
  });
});

describe('cli', () => {
  it('lists its commands with --help', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    for (const name of ['migrate', 'api', 'keys']) expect(stdout).toContain(name);
  });

  it('reports every configuration problem at once and exits non-zero', async () => {
    const failure = await run(process.execPath, [CLI, 'migrate'], {
      env: { PATH: process.env.PATH, CALLS_PER_SECOND: 'lots' },
    }).catch((err: { code: number; stderr: string }) => err);
    expect('code' in failure && failure.code).toBe(1);
    expect(failure.stderr).toContain('DATABASE_URL');
    expect(failure.stderr).toContain('CALLS_PER_SECOND');
  });
});
