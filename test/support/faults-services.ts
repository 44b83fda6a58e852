import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinaries } from '../../src/dev/local-services/binaries.ts';
import { waitFor } from './wait-for.ts';

/**
 * A redis-server on a fixed loopback port and folder that a test can kill and start again, so
 * clients reconnect to "the same" Redis. With `persist`, every write is fsynced to the AOF
 * (appendfsync always), so even a SIGKILL loses nothing; without it a restart starts empty.
 */
export interface RestartableRedis {
  readonly url: string;
  /** Stops the server (`SIGTERM`: clean shutdown; `SIGKILL`: crash). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRestartableRedis(options: { persist: boolean }): Promise<RestartableRedis> {
  const { 'redis-server': bin } = requireBinaries(['redis-server']);
  const dir = await mkdtemp(join(tmpdir(), 'callcast-faults-redis-'));
  const port = await freePort();
  const persistence = options.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no', '--save', ''];
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const redis: RestartableRedis = {
    url,
    async start() {
      child = spawn(bin as string, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence], {
        stdio: 'ignore',
      });
      await waitFor(() => canConnect(port), 10_000, 'redis-server accepting connections');
    },
    async kill(signal) {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      await exited;
    },
    async close() {
      await redis.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A loopback TCP proxy in front of a server. `cut()` ends every open connection and refuses
 * new ones (the port is closed: ECONNREFUSED), as a crashed or stopped server would look to its
 * clients; `restore()` listens on the same port again. The server behind it keeps its data.
 */
export interface OutageProxy {
  readonly port: number;
  /** `target` with its host and port replaced by the proxy's. */
  url(target: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageProxy(targetPort: number): Promise<OutageProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  // Listening already is a no-op: a second server on the port would fail and must not replace
  // (and so leak) the one that listens.
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const next = createServer((client) => {
        if (server !== next) return client.destroy();
        const upstream = connect(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        resolve();
      });
    });
  const cut = async () => {
    const closing = server;
    server = undefined;
    // Stop accepting first: a connection accepted while the cut waits would keep close() waiting.
    const closed = new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    // Waits for each socket's end, so a cut leaves no handle behind for the leak check.
    const ended = [...sockets].map(
      (socket) =>
        new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve()))),
    );
    // Plain destroy: resetAndDestroy (an RST) left destroyed sockets' handles open for over 8 s,
    // which the leak check reported; the client sees its connection end either way.
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    // Bounded: a socket that never reports its end must not hang the test (the leak check still sees it).
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
    });
    await Promise.race([Promise.all([...ended, closed]), bound]);
    clearTimeout(timer);
  };
  await listen();
  return {
    port,
    url(target) {
      const url = new URL(target);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut,
    restore: listen,
    close: cut,
  };
}
