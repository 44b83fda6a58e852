#!/usr/bin/env node
// Lists exports of src/ that nothing else uses (src, test, bench): dead code, or a name that
// should not be exported. Exit 1 when there are any, so `npm run lint` keeps the surface honest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? walk(path) : /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
const files = ['src', 'test', 'bench', 'web'].flatMap((dir) => walk(join(ROOT, dir)));
const texts = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const EXPORT = /^export\s+(?:async\s+)?(?:const|let|function\*?|class|enum)\s+([A-Za-z_$][\w$]*)/gm;

const dead = [];
for (const [file, text] of texts) {
  if (!file.startsWith(join(ROOT, 'src')) || file.endsWith('.test.ts')) continue;
  for (const [, name] of text.matchAll(EXPORT)) {
    const used = new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`);
    const elsewhere = [...texts].some(([other, body]) => other !== file && used.test(body));
    if (!elsewhere) dead.push(`${relative(ROOT, file)}: ${name}`);
  }
}
if (dead.length > 0) {
  console.error(
    `Exports nothing else uses (${dead.length}): remove them or stop exporting them:\n  ${dead.join('\n  ')}`,
  );
  process.exit(1);
}
console.log('Exports: every export is used somewhere else.');
