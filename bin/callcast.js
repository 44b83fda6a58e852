#!/usr/bin/env node
// Thin launcher: Node ≥22.18 strips TypeScript types natively, so the CLI runs from src/ with no build step.
// The Node check runs before any .ts is imported: an older Node would otherwise die with
// ERR_UNKNOWN_FILE_EXTENSION ".ts" and no hint. Plain JavaScript only up to the dynamic import.
import { readFileSync } from 'node:fs';

const wanted = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines?.node ?? '';
const floor = /^>=\s*(\d+)(?:\.(\d+))?/.exec(wanted);
const [major, minor] = process.versions.node.split('.').map(Number);
if (floor && (major < Number(floor[1]) || (major === Number(floor[1]) && minor < Number(floor[2] ?? 0)))) {
  console.error(
    `callcast needs Node ${wanted} (Node 24 LTS recommended), this is Node ${process.versions.node}: ` +
      'install it from https://nodejs.org or with `nvm install 24`, or run `bash .ci/run`, which puts Node 24 in .tools/node.',
  );
  process.exit(1);
}

// `callcast api` runs with a capped V8 heap (API_MAX_HEAP_MB, default 128; 0 = Node's default) so
// a 1M-row CSV upload peaks near 250 MB RSS instead of growing into V8's default headroom: the
// process image is replaced in place (same pid, for supervisors) by one started with the flags.
// A heap flag already given (node --max-old-space-size, NODE_OPTIONS) wins.
const heapMb = Number(process.env.API_MAX_HEAP_MB ?? 128);
const heapGiven = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) =>
  flag.includes('max-old-space-size'),
);
if (process.argv[2] === 'api' && heapMb > 0 && !heapGiven && typeof process.execve === 'function') {
  // Young generation 4 MB per semi-space (default 16+): survivors of a 2,000-row batch fit in it.
  const flags = [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=4'];
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)]);
}

const { main } = await import('../src/cli.ts');

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
