import { parseArgs } from 'node:util';

export type FlagSpec = Record<string, { default: string; help: string }>;

/**
 * `--name value` flags, all strings with defaults, plus `--help`. Kept tiny on purpose: every
 * benchmark lists its knobs in one table that doubles as its usage text.
 */
export function flags<S extends FlagSpec>(usage: string, spec: S): { [K in keyof S]: string } {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, flag]) => [name, { type: 'string' as const, default: flag.default }]),
  );
  const { values } = parseArgs({ options: { ...options, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    const rows = Object.entries(spec).map(
      ([name, flag]) => `  --${name.padEnd(16)} ${flag.help} (default ${flag.default})`,
    );
    process.stdout.write(`${usage}\n${rows.join('\n')}\n`);
    process.exit(0);
  }
  return values as { [K in keyof S]: string };
}

export function int(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return parsed;
}

export function positive(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return parsed;
}

export function intList(value: string, name: string): number[] {
  return value.split(',').map((part) => int(part.trim(), name));
}

/** `KEY=VALUE,KEY=VALUE` into an environment object; '' gives {}. */
export function envList(value: string, name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of value.split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--${name} takes KEY=VALUE pairs, got ${pair}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
