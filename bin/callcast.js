#!/usr/bin/env node
// Thin launcher: Node ≥22.18 strips TypeScript types natively, so the CLI runs from src/ with no build step.
import { main } from '../src/cli.ts';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
