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
