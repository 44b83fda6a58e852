// Size: starting real redis-server and postgres binaries (ports, ready checks, watchdog, cleanup),
// dev tooling that is never in the production image.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { AppError } from '../../shared/errors.ts';

const run = promisify(execFile);

/** A server process we started; `stop()` is idempotent and removes its temp dir. */
export interface LocalServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'Install them with: apt-get update && apt-get install -y redis-server postgresql ' +
  '(or set REDIS_URL and DATABASE_URL, or run a Docker engine).';

function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  // Debian installs Postgres server binaries off PATH, one folder per major version.
  const pgRoot = '/usr/lib/postgresql';
  if (existsSync(pgRoot)) {
    const versions = readdirSync(pgRoot).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((version) => join(pgRoot, version, 'bin')));
  }
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/** Fails with one message naming every missing binary and the packages that provide them. */
export function requireBinaries(names: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const path = findBinary(name);
    if (path) found[name] = path;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new AppError('services_missing', 500, `Missing binaries: ${missing.join(', ')}. ${INSTALL_HINT}`, {
      details: { missing },
    });
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Starting on a port another process grabbed between freePort() and bind fails fast; try again.
const START_TRIES = 5;

export async function startRedis(options: { persist?: boolean } = {}): Promise<LocalServer> {
  const { 'redis-server': bin } = requireBinaries(['redis-server']);
  const dir = await mkdtemp(join(tmpdir(), 'callcast-redis-'));
  return withPortRetries(dir, async (port) => {
    const persistence = options.persist
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no', '--save', ''];
    const child = spawn(bin as string, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence], {
      stdio: 'ignore',
    });
    await waitReady(child, () => redisPing(port), 'redis-server');
    return managed(child, dir, port, `redis://127.0.0.1:${port}`, 'SIGTERM');
  });
}

export async function startPostgres(): Promise<LocalServer> {
  const bins = requireBinaries(['initdb', 'postgres']);
  const dir = await mkdtemp(join(tmpdir(), 'callcast-pg-'));
  const owner = await serverUser();
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const spawnAs = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await run(bins.initdb as string, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], {
    ...spawnAs,
    cwd: dir,
  }).catch(async (err: Error & { stderr?: string }) => {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${err.stderr ?? err.message}`);
  });
  return withPortRetries(dir, async (port) => {
    // Durability off: these are throw-away test and demo clusters, and fsync dominates their time.
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    for (const setting of ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=400']) {
      args.push('-c', setting);
    }
    const child = spawn(bins.postgres as string, args, { ...spawnAs, cwd: dir, stdio: 'ignore' });
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitReady(child, () => pgPing(url), 'postgres');
    // SIGINT is Postgres's "fast shutdown": abort sessions, exit cleanly.
    return managed(child, dir, port, url, 'SIGINT');
  });
}

/** Postgres refuses to run as root; when we are root, run it as the `postgres` user. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new AppError(
      'services_missing',
      500,
      "Running as root, but there is no 'postgres' user to run the Postgres server as. " + INSTALL_HINT,
    );
  }
}

async function withPortRetries(dir: string, start: (port: number) => Promise<LocalServer>): Promise<LocalServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_TRIES; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

// Generous: a cold initdb'd Postgres on a loaded 2-core machine can take several seconds.
const READY_TIMEOUT_MS = 30_000;

async function waitReady(child: ChildProcess, ping: () => Promise<boolean>, name: string): Promise<void> {
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${name} exited with code ${exited} before it was ready`);
    if (await ping()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms`);
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}

async function pgPing(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function managed(child: ChildProcess, dir: string, port: number, url: string, signal: NodeJS.Signals): LocalServer {
  const watchdog = startWatchdog(child.pid as number, dir);
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dir,
    stop() {
      stopping ??= (async () => {
        await stopProcess(child, signal);
        watchdog.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A detached shell that outlives us: if our process dies without stopping the server (SIGKILL,
 * crash), it kills the server and removes its folder, so no test run leaves a process behind.
 */
function startWatchdog(serverPid: number, dir: string): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${serverPid} 2>/dev/null; sleep 5; kill -KILL ${serverPid} 2>/dev/null; rm -rf '${dir}'`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}
