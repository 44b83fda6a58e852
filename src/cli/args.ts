import { CliError, EXIT } from './cli-error.ts';

/** How a flag takes its value: `string` once, `list` any number of times, `boolean` none. */
export type FlagKind = 'string' | 'list' | 'boolean';
export type FlagSpec = Record<string, FlagKind>;

export interface ParsedArgs {
  positionals: string[];
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  booleans: Set<string>;
}

/**
 * Parses `--name value`, `--name=value` and `--flag`. An unknown flag or a missing value is a
 * usage error (exit 2), so a typo such as `--windw` never runs a campaign without its window.
 */
export function parseArgs(args: readonly string[], spec: FlagSpec, usage: string): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], strings: new Map(), lists: new Map(), booleans: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--') || arg === '--') {
      parsed.positionals.push(arg);
      continue;
    }
    const [name, inline] = splitFlag(arg.slice(2));
    const kind = spec[name];
    if (kind === undefined) throw usageError(`unknown option --${name}`, usage);
    if (kind === 'boolean') {
      if (inline !== undefined) throw usageError(`--${name} takes no value`, usage);
      parsed.booleans.add(name);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw usageError(`--${name} needs a value`, usage);
    }
    if (kind === 'list') parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
    else if (parsed.strings.has(name)) throw usageError(`--${name} given twice`, usage);
    else parsed.strings.set(name, value);
  }
  return parsed;
}

function splitFlag(flag: string): [string, string | undefined] {
  const eq = flag.indexOf('=');
  return eq < 0 ? [flag, undefined] : [flag.slice(0, eq), flag.slice(eq + 1)];
}

export function usageError(problem: string, usage: string): CliError {
  return new CliError(EXIT.usage, 'usage_error', `${problem}\nusage: ${usage}`);
}

/** The value of a required flag. */
export function required(parsed: ParsedArgs, name: string, usage: string): string {
  const value = parsed.strings.get(name);
  if (value === undefined) throw usageError(`--${name} is required`, usage);
  return value;
}

/** Exactly `count` positionals (e.g. the campaign id). */
export function positionals(parsed: ParsedArgs, names: readonly string[], usage: string): string[] {
  if (parsed.positionals.length !== names.length) {
    const wanted = names.length === 0 ? 'no arguments' : names.map((name) => `<${name}>`).join(' ');
    throw usageError(`expected ${wanted}`, usage);
  }
  return parsed.positionals;
}

/** A number flag within bounds, or the default. */
export function numberFlag(
  parsed: ParsedArgs,
  name: string,
  bounds: { min: number; max: number; fallback: number; integer?: boolean },
  usage: string,
): number {
  const text = parsed.strings.get(name);
  if (text === undefined) return bounds.fallback;
  const value = Number(text);
  const whole = bounds.integer === false || Number.isInteger(value);
  if (!Number.isFinite(value) || !whole || value < bounds.min || value > bounds.max) {
    throw usageError(`--${name} takes a number from ${bounds.min} to ${bounds.max}`, usage);
  }
  return value;
}
