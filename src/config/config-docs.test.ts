import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from './config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// The schema is the one place a setting is defined; the docs are checked against it, not copied from it.
describe('every environment variable of the schema is documented', () => {
  it('in the configuration table of README.md', () => {
    const rows = read('README.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(ENV_NAMES.filter((name) => !rows.some((row) => row.includes(`\`${name}\``)))).toEqual([]);
  });

  it('in .env.example (set or commented out)', () => {
    const lines = read('.env.example').split('\n');
    expect(ENV_NAMES.filter((name) => !lines.some((line) => new RegExp(`^#? ?${name}=`).test(line)))).toEqual([]);
  });
});
