import { type ChildProcess, spawn } from 'node:child_process';
import type { LoggedRequest } from '../../src/dev/simulator/request-log.ts';

const CLI = new URL('../../bin/callcast.js', import.meta.url).pathname;

export interface WorkerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** Starts `node bin/callcast.js worker` as its own OS process. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => output.slice(-4000), exited };
}

/** SIGTERM, then SIGKILL after `graceMs` if the process is still there. */
export async function stopWorker(worker: WorkerProcess, graceMs = 10_000): Promise<number | string> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  const code = await worker.exited;
  clearTimeout(timer);
  return code;
}

/** Create-call requests in the simulator's log, oldest first. */
export function createCalls(requests: readonly LoggedRequest[]): LoggedRequest[] {
  return requests.filter((r) => r.method === 'POST' && (r.path === '/voice/calls' || r.path === '/v1/calls'));
}

/** Create-call requests per called number (digits) that the simulator accepted with a 201. */
export function acceptedByNumber(requests: readonly LoggedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of createCalls(requests)) {
    if (r.status === 201 && r.to) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  }
  return counts;
}
