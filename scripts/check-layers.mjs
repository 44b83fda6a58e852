#!/usr/bin/env node
// Keeps the house as drawn in src/README.md (and its files small): each folder of src/ may import only the folders
// listed for it (imports go down the data path, never up). Biome's noImportCycles refuses file
// cycles; this refuses a folder reaching above itself. Exit 1 lists every offending import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

// Leaves first; a folder may import itself, the folders listed, and what those are allowed.
const LEAVES = ['db', 'shared', 'config'];
const ALLOWED = {
  db: [],
  shared: ['db'],
  config: ['shared'],
  keys: ['db', 'shared'],
  calls: ['db', 'shared', 'config'],
  gateway: ['shared', 'config'],
  queue: ['db', 'shared', 'config'],
  reports: ['queue', 'calls', ...LEAVES],
  // Results pushed to the customer's endpoints (webhooks out): reads attempts, signs, delivers.
  outbound: ['queue', 'calls', ...LEAVES],
  suppressions: ['queue', 'calls', ...LEAVES],
  webhooks: ['suppressions', 'calls', 'gateway', ...LEAVES],
  dispatch: ['webhooks', 'queue', 'gateway', 'calls', 'keys', ...LEAVES],
  reminders: ['suppressions', 'queue', 'calls', 'keys', 'gateway', ...LEAVES],
  campaigns: ['suppressions', 'reports', 'queue', 'calls', 'keys', 'gateway', ...LEAVES],
  api: [
    'campaigns',
    'reminders',
    'suppressions',
    'reports',
    'outbound',
    'webhooks',
    'queue',
    'gateway',
    'calls',
    'keys',
    ...LEAVES,
  ],
  start: [
    'api',
    'campaigns',
    'reminders',
    'suppressions',
    'reports',
    'outbound',
    'webhooks',
    'dispatch',
    'queue',
    'gateway',
    'calls',
    'keys',
    ...LEAVES,
  ],
  // Producer commands are HTTP clients of the API: they import no domain folder.
  cli: [...LEAVES],
  // Dev tooling is sealed: leaves only (and the key store, to mint the demo's key).
  dev: ['keys', ...LEAVES],
};
// The entry point may import anything, dev tooling included (lazily, per command).
const TOP_FILES = new Set(['cli.ts']);

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

const folderOf = (path) => relative(SRC, path).split(sep)[0];
const problems = [];
for (const file of sourceFiles(SRC)) {
  const from = folderOf(file);
  if (TOP_FILES.has(from)) continue;
  const allowed = ALLOWED[from];
  if (!allowed) {
    problems.push(`src/${from}/ has no place in the layer table of scripts/check-layers.mjs (add it)`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const to = folderOf(resolve(dirname(file), specifier));
    if (to === from || allowed.includes(to)) continue;
    problems.push(`${relative(SRC, file)} imports ${specifier}: src/${from}/ may not import src/${to}/`);
  }
}
// Small files: one over this many lines says why at its top (a `// Size:` comment).
const MAX_LINES = 220;
for (const file of sourceFiles(SRC)) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - 1;
  if (lines > MAX_LINES && !text.startsWith('// Size:')) {
    problems.push(`${relative(SRC, file)} has ${lines} lines: split it, or say why at its top (// Size: …)`);
  }
}
const unique = [...new Set(problems)];
if (unique.length > 0) {
  console.error(`Layering: ${unique.length} import(s) reach above their folder:\n  ${unique.join('\n  ')}`);
  process.exit(1);
}
console.log(`Layering: ${Object.keys(ALLOWED).length} folders, every import goes down.`);
