import { readFileSync, statSync } from 'node:fs';
import type { ApiClient } from './api-client.ts';
import { type FlagSpec, numberFlag, type ParsedArgs, required, usageError } from './args.ts';
import { CliError, EXIT } from './cli-error.ts';
import type { RejectedRow } from './output.ts';
import { countingFileStream, uploadBar } from './progress.ts';

export const CREATE_USAGE =
  'callcast campaign create --name <name> --from <+31…> (--ncco <script.json> | --answer-url <url>) --csv <contacts.csv> ' +
  '[--window 09:00-20:00] [--days 1-5] [--timezone Europe/Amsterdam] [--start-at <ISO time>] ' +
  '[--max-attempts N] [--retry-delay <seconds>] [--idempotency-key K] [--watch] [--interval <seconds>] [--json]';

export const CREATE_FLAGS: FlagSpec = {
  name: 'string',
  from: 'string',
  ncco: 'string',
  'answer-url': 'string',
  csv: 'string',
  window: 'string',
  days: 'string',
  timezone: 'string',
  'start-at': 'string',
  'max-attempts': 'string',
  'retry-delay': 'string',
  'idempotency-key': 'string',
  watch: 'boolean',
  interval: 'string',
  json: 'boolean',
};

export interface IntakeResult {
  id: string;
  accepted: number;
  rejectedCount: number;
  rejected: RejectedRow[];
}

/** The POST /v1/campaigns body the flags describe, without recipients (they follow as CSV). */
export function campaignBody(parsed: ParsedArgs, usage = CREATE_USAGE): Record<string, unknown> {
  const nccoFile = parsed.strings.get('ncco');
  const answerUrl = parsed.strings.get('answer-url');
  if ((nccoFile === undefined) === (answerUrl === undefined)) throw usageError('give --ncco or --answer-url', usage);
  const body: Record<string, unknown> = {
    name: required(parsed, 'name', usage),
    from: required(parsed, 'from', usage),
    ...(nccoFile === undefined ? { answerUrl } : { ncco: readNcco(nccoFile) }),
  };
  const optional = { timezone: parsed.strings.get('timezone'), startAt: parsed.strings.get('start-at') };
  for (const [field, value] of Object.entries(optional)) if (value !== undefined) body[field] = value;
  const window = parsed.strings.get('window');
  if (window !== undefined) body.callWindow = callWindow(window, parsed.strings.get('days'), usage);
  else if (parsed.strings.has('days')) throw usageError('--days needs --window', usage);
  const retry = retryOf(parsed, usage);
  if (retry) body.retry = retry;
  return body;
}

/** An NCCO file: the action array itself, or an object with an `ncco` array (as in a campaign body). */
export function readNcco(path: string): unknown {
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

/** The CSV file's size, or a usage error before anything is created. */
export function csvSize(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a file');
    return stat.size;
  } catch (err) {
    throw new CliError(EXIT.usage, 'file_unreadable', `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Streams the CSV to POST /v1/campaigns/:id/recipients, with a bytes-and-rows bar on a terminal. */
export async function uploadCsv(
  client: ApiClient,
  campaignId: string,
  path: string,
  tty: boolean,
): Promise<IntakeResult> {
  const bar = uploadBar(csvSize(path), tty);
  try {
    const body = countingFileStream(path, (progress) => bar.update(progress));
    return await client.upload<IntakeResult>(
      `/v1/campaigns/${encodeURIComponent(campaignId)}/recipients`,
      body,
      'text/csv',
    );
  } finally {
    bar.stop();
  }
}
