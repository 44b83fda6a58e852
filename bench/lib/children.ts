import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CALLCAST_BIN = join(REPO_ROOT, 'bin/callcast.js');

/** A child process the benchmark started; `stop()` is idempotent. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const live = new Set<Child>();
let exitHookInstalled = false;

/** Last resort on any exit path of the benchmark process: no child outlives it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.process.kill('SIGKILL');
  });
}

export interface SpawnOptions {
  name: string;
  env: Record<string, string>;
  logDir: string;
  /** Node flags such as `--max-old-space-size`; the command itself follows. */
  nodeArgs?: string[];
}

/** `node bin/callcast.js <args>`: the same entry point an operator runs. */
export function spawnCallcast(args: string[], options: SpawnOptions): Child {
  return spawnNode([...(options.nodeArgs ?? []), CALLCAST_BIN, ...args], options);
}

/** `node <script> <args>` with the benchmark's environment; output goes to `<logDir>/<name>.log`. */
export function spawnNode(args: string[], options: SpawnOptions): Child {
  installExitHook();
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.pipe(log, { end: false });
  proc.stderr?.pipe(log, { end: false });
  const guard = watchdog(proc.pid as number);
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(child);
      // The child is gone: its watchdog must not later signal a reused pid.
      guard.kill('SIGKILL');
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let stopping: Promise<number | string> | undefined;
  const child: Child = {
    name: options.name,
    pid: proc.pid as number,
    process: proc,
    logFile,
    exited,
    stop(signal = 'SIGTERM') {
      stopping ??= stopChild(proc, exited, signal);
      return stopping;
    },
  };
  live.add(child);
  return child;
}

// A worker finishing in-flight requests needs a few seconds; beyond this we stop waiting.
const STOP_GRACE_MS = 15_000;

async function stopChild(
  proc: ChildProcess,
  exited: Promise<number | string>,
  signal: NodeJS.Signals,
): Promise<number | string> {
  if (proc.exitCode !== null || proc.signalCode !== null) return exited;
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/**
 * A detached shell that outlives us: if the benchmark process is killed with SIGKILL (no exit
 * hook runs), it still takes the child down within a second or two.
 */
function watchdog(childPid: number): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${childPid} 2>/dev/null; sleep 5; kill -KILL ${childPid} 2>/dev/null`;
  const shell = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  shell.unref();
  return shell;
}

/** Every child still running, for a final sweep. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}
