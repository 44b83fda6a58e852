import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createDb, type Db } from '../../src/db/connect.ts';
import { freePort } from '../../src/dev/local-services/binaries.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { CALL_QUEUE } from '../../src/queue/jobs.ts';
import { type Child, spawnCallcast } from './children.ts';
import type { BenchServices } from './services.ts';

/**
 * The simulator's default quota (1M requests per 30 days) is below 3 calls/s sustained, so
 * callcast rightly spreads calls to make it last (quota pacing). Benchmarks measure the rate
 * limit, not the quota: 10^10 per 30 days is ~3,900 calls/s sustainable.
 */
export const UNLIMITED_QUOTA = { quotaLimit: 10_000_000_000 } as const;

/** Where the workers' gateway is: the simulator's base URL, token URL and credentials. */
export interface GatewayTarget {
  url: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface DeploymentOptions {
  label: string;
  gateway: GatewayTarget;
  callsPerSecond: number;
  /** Where the gateway sends callbacks; defaults to this deployment's own API. */
  publicUrl?: string;
  /** Extra environment for every callcast process (FEEDER_WINDOW, WORKER_CONCURRENCY, …). */
  env?: Record<string, string>;
}

/**
 * One callcast deployment for one benchmark variant: its own database, Redis prefix, API key
 * and processes, started exactly as an operator would (`node bin/callcast.js api|worker`).
 */
export interface Deployment {
  readonly label: string;
  readonly databaseUrl: string;
  readonly prefix: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly webhookToken: string;
  readonly db: Db;
  readonly env: Readonly<Record<string, string>>;
  readonly children: readonly Child[];
  startApi(): Promise<Child>;
  startWorkers(count: number): Promise<Child[]>;
  /** Any other callcast command (a scheduler, a feeder) with this deployment's environment. */
  startCommand(args: string[], name: string): Child;
  close(): Promise<void>;
}

export async function createDeployment(services: BenchServices, options: DeploymentOptions): Promise<Deployment> {
  const databaseUrl = await services.freshDatabase();
  const db = createDb(databaseUrl, { max: 4 });
  const { key: apiKey } = await createApiKey(db, `bench ${options.label}`);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const webhookToken = randomBytes(24).toString('base64url');
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: services.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    GATEWAY_PROVIDER: 'kpn',
    GATEWAY_URL: options.gateway.url,
    GATEWAY_TOKEN_URL: options.gateway.tokenUrl,
    GATEWAY_CLIENT_ID: options.gateway.clientId,
    GATEWAY_CLIENT_SECRET: options.gateway.clientSecret,
    GATEWAY_APPLICATION_ID: randomUUID(),
    PUBLIC_URL: options.publicUrl ?? apiUrl,
    WEBHOOK_TOKEN: webhookToken,
    CALLS_PER_SECOND: String(options.callsPerSecond),
    HOST: '127.0.0.1',
    PORT: String(port),
    // Per-call info logs would cost CPU the benchmark is measuring; warnings still land in the log.
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const children: Child[] = [];
  const spawnOne = (args: string[], name: string) => {
    const child = spawnCallcast(args, { name: `${options.label}-${name}`, env, logDir: services.runDir });
    children.push(child);
    return child;
  };
  let closing: Promise<void> | undefined;

  return {
    label: options.label,
    databaseUrl,
    prefix,
    apiUrl,
    apiKey,
    webhookToken,
    db,
    env,
    children,
    async startApi() {
      const child = spawnOne(['api'], 'api');
      await waitHealthy(apiUrl, child);
      return child;
    },
    async startWorkers(count) {
      const started = Array.from({ length: count }, (_, i) => spawnOne(['worker'], `worker${i + 1}`));
      await waitWorkers(services.redisUrl, prefix, count, started);
      return started;
    },
    startCommand: spawnOne,
    close() {
      closing ??= (async () => {
        await Promise.all(children.map((child) => child.stop()));
        await db.destroy();
      })();
      return closing;
    },
  };
}

// A cold Node process loading fastify, bullmq and kysely on a busy 2-core machine takes seconds.
const READY_TIMEOUT_MS = 60_000;

async function waitHealthy(apiUrl: string, child: Child): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`api exited early; see ${child.logFile}`);
    const ok = await fetch(`${apiUrl}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`api not healthy within ${READY_TIMEOUT_MS} ms; see ${child.logFile}`);
}

/** Ready means BullMQ lists the workers on the call queue (each names its connection). */
async function waitWorkers(redisUrl: string, prefix: string, count: number, started: Child[]): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(CALL_QUEUE, { connection, prefix });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const dead = started.find((child) => child.process.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited early; see ${dead.logFile}`);
      if ((await queue.getWorkersCount()) >= count) return;
      await sleep(200);
    }
    throw new Error(`${count} workers not ready within ${READY_TIMEOUT_MS} ms`);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
