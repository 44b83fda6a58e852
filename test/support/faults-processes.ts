import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Simulator } from '../../src/dev/simulator/simulator.ts';
import type { WorkerProcess } from './worker-processes.ts';

const CLI = new URL('../../bin/callcast.js', import.meta.url).pathname;

/** A `callcast` child process that keeps its whole output (the log-leak test searches all of it). */
export interface CallcastProcess extends WorkerProcess {
  /** Everything written to stdout and stderr so far. */
  fullOutput(): string;
}

/** Starts `node bin/callcast.js <args>`; compatible with `stopWorker` from worker-processes.ts. */
export function spawnCallcast(args: string[], env: Record<string, string>): CallcastProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    exited,
    output: () => chunks.join('').slice(-4000),
    fullOutput: () => chunks.join(''),
  };
}

export interface FaultEnvOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  simulator: Simulator;
  /** Where the simulator sends event callbacks (the API's base URL). */
  publicUrl: string;
  webhookToken?: string;
  extra?: Record<string, string>;
}

/** The env a worker or API process needs to run against the simulator; secrets are fresh per call. */
export function faultEnv(options: FaultEnvOptions): Record<string, string> {
  const sim = options.simulator.options();
  return {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.prefix,
    GATEWAY_PROVIDER: 'kpn',
    GATEWAY_URL: options.simulator.url,
    GATEWAY_TOKEN_URL: options.simulator.tokenUrl,
    GATEWAY_CLIENT_ID: sim.clientId,
    GATEWAY_CLIENT_SECRET: sim.clientSecret,
    GATEWAY_APPLICATION_ID: randomUUID(),
    PUBLIC_URL: options.publicUrl,
    WEBHOOK_TOKEN: options.webhookToken ?? randomBytes(18).toString('base64url'),
    ...(sim.signatureSecret ? { WEBHOOK_SIGNATURE_SECRET: sim.signatureSecret } : {}),
    CALLS_PER_SECOND: String(sim.callsPerSecond),
    FEEDER_INTERVAL_MS: '300',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...options.extra,
  };
}
