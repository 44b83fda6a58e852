import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './children.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  commit: string;
}

export function machine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: osName(),
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
  };
}

function osName(): string {
  try {
    const release = execFileSync('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"'], { encoding: 'utf8' });
    return release.trim();
  } catch {
    return process.platform;
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export const RESULTS_DIR = join(REPO_ROOT, 'bench/results');

/**
 * Prints the result as ONE JSON line on stdout and writes it (pretty) to `out`, by default
 * `bench/results/<name>.json`; `out: '-'` prints only (smoke runs).
 */
export function report(name: string, result: Record<string, unknown>, out?: string): void {
  const record = { benchmark: name, finishedAt: new Date().toISOString(), machine: machine(), ...result };
  process.stdout.write(`${JSON.stringify(record)}\n`);
  if (out === '-') return;
  const file = out ?? join(RESULTS_DIR, `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Progress for the human running the benchmark; stderr, so stdout stays one JSON line. */
export function note(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
