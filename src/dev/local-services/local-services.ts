import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type LocalServer, startPostgres, startRedis } from './binaries.ts';

const run = promisify(execFile);

/**
 * How a service was found:
 *   env            – REDIS_URL / DATABASE_URL given; we start nothing.
 *   testcontainers – a Docker engine answers and this is a test run.
 *   docker-compose – a Docker engine answers and this is the demo.
 *   binaries       – no engine: real redis-server / postgres started on loopback in a temp dir.
 */
export type ServicePath = 'env' | 'testcontainers' | 'docker-compose' | 'binaries';
export type Purpose = 'test' | 'demo';

export interface ResolvedServices {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly paths: { redis: ServicePath; postgres: ServicePath };
  /** Stops whatever we started; idempotent. */
  stop(): Promise<void>;
}

export interface ResolveOptions {
  env: Record<string, string | undefined>;
  purpose: Purpose;
  /** Overrides the Docker probe (tests of the choice itself). */
  dockerAvailable?: boolean;
}

/** The decision alone, pure, so it can be tested without starting anything. */
export function choosePath(given: string | undefined, dockerAvailable: boolean, purpose: Purpose): ServicePath {
  if (given) return 'env';
  if (dockerAvailable) return purpose === 'test' ? 'testcontainers' : 'docker-compose';
  return 'binaries';
}

/** Whether a Docker engine (not just the client) answers, within a short timeout. */
async function dockerEngineAnswers(): Promise<boolean> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

export async function resolveServices(options: ResolveOptions): Promise<ResolvedServices> {
  const { env, purpose } = options;
  const needsEngine = !env.REDIS_URL || !env.DATABASE_URL;
  const docker = needsEngine ? (options.dockerAvailable ?? (await dockerEngineAnswers())) : false;
  const redisPath = choosePath(env.REDIS_URL, docker, purpose);
  const postgresPath = choosePath(env.DATABASE_URL, docker, purpose);

  const stops: Array<() => Promise<void>> = [];
  try {
    const redisUrl = env.REDIS_URL ?? (await startOne('redis', redisPath, stops));
    const databaseUrl = env.DATABASE_URL ?? (await startOne('postgres', postgresPath, stops));
    let stopping: Promise<void> | undefined;
    return {
      redisUrl,
      databaseUrl,
      paths: { redis: redisPath, postgres: postgresPath },
      stop: () => {
        stopping ??= stopAll(stops);
        return stopping;
      },
    };
  } catch (err) {
    await stopAll(stops);
    throw err;
  }
}

async function startOne(
  kind: 'redis' | 'postgres',
  path: ServicePath,
  stops: Array<() => Promise<void>>,
): Promise<string> {
  if (path === 'binaries') {
    const server: LocalServer = kind === 'redis' ? await startRedis() : await startPostgres();
    stops.push(() => server.stop());
    return server.url;
  }
  if (path === 'testcontainers') return startContainer(kind, stops);
  return startCompose(kind, stops);
}

async function startContainer(kind: 'redis' | 'postgres', stops: Array<() => Promise<void>>): Promise<string> {
  if (kind === 'redis') {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    stops.push(async () => void (await container.stop()));
    return container.getConnectionUrl();
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:16-alpine').start();
  stops.push(async () => void (await container.stop()));
  return container.getConnectionUri();
}

// The compose file publishes these ports on loopback for the demo.
const COMPOSE_URLS = {
  redis: 'redis://127.0.0.1:6379',
  postgres: 'postgres://callcast:callcast@127.0.0.1:5432/callcast',
};

async function startCompose(kind: 'redis' | 'postgres', stops: Array<() => Promise<void>>): Promise<string> {
  await run('docker', ['compose', 'up', '--detach', '--wait', kind], { timeout: 180_000 });
  stops.push(async () => void (await run('docker', ['compose', 'stop', kind], { timeout: 60_000 })));
  return COMPOSE_URLS[kind];
}

/** Stops in reverse order of starting and attempts every step even if one fails. */
async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
  const errors: unknown[] = [];
  for (const stop of stops.splice(0).reverse()) {
    try {
      await stop();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'Stopping local services failed');
}
