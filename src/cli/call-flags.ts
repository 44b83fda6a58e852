import { readFileSync } from 'node:fs';
import { numberFlag, type ParsedArgs, usageError } from './args.ts';
import { CliError, EXIT } from './cli-error.ts';

/** Flags campaigns and reminders share: what the callee hears, the calling window, the retry policy. */

/** `ncco` (read from --ncco) or `answerUrl`: exactly one of the two flags. */
export function callContent(parsed: ParsedArgs, usage: string): { ncco: unknown } | { answerUrl: string } {
  const nccoFile = parsed.strings.get('ncco');
  const answerUrl = parsed.strings.get('answer-url');
  if ((nccoFile === undefined) === (answerUrl === undefined)) throw usageError('give --ncco or --answer-url', usage);
  return nccoFile === undefined ? { answerUrl: answerUrl as string } : { ncco: readNcco(nccoFile) };
}

/** An NCCO file: the action array itself, or an object with an `ncco` array (as in a campaign body). */
function readNcco(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, 'file_unreadable', `cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(EXIT.usage, 'invalid_json', `${path} is not JSON: ${(err as Error).message}`);
  }
  const inner =
    value && typeof value === 'object' && !Array.isArray(value) ? (value as { ncco?: unknown }).ncco : undefined;
  return inner ?? value;
}

/** `09:00-20:00` (and `--days 1-5` or `1,3,5`) → { start, end, days }; the API checks the clock values. */
export function callWindow(text: string, daysText: string | undefined, usage: string): Record<string, unknown> {
  const match = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(text.trim());
  if (!match) throw usageError('--window takes HH:MM-HH:MM, e.g. 09:00-20:00', usage);
  const pad = (clock: string) => clock.padStart(5, '0');
  const window: Record<string, unknown> = { start: pad(match[1] as string), end: pad(match[2] as string) };
  if (daysText !== undefined) window.days = days(daysText, usage);
  return window;
}

function days(text: string, usage: string): number[] {
  const range = /^([1-7])-([1-7])$/.exec(text);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (from <= to) return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  if (/^[1-7](,[1-7])*$/.test(text)) return text.split(',').map(Number);
  throw usageError('--days takes ISO weekdays 1 (Monday) to 7: a range 1-5 or a list 1,3,5', usage);
}

export function retryOf(parsed: ParsedArgs, usage: string): Record<string, number> | undefined {
  const retry: Record<string, number> = {};
  if (parsed.strings.has('max-attempts')) {
    retry.maxAttempts = numberFlag(parsed, 'max-attempts', { min: 1, max: 10, fallback: 3 }, usage);
  }
  if (parsed.strings.has('retry-delay')) {
    retry.delaySeconds = numberFlag(parsed, 'retry-delay', { min: 0, max: 604_800, fallback: 900 }, usage);
  }
  return Object.keys(retry).length > 0 ? retry : undefined;
}
