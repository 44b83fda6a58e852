import { isIanaZone } from '../calls/call-settings.ts';
import {
  connectProblems,
  type DialPolicy,
  type NumberTypeProblem,
  numberTypeProblem,
  type PolicyProblem,
} from '../shared/dial-policy.ts';
import { renderNcco } from '../shared/ncco-template.ts';
import { type E164, type NumberProblem, toE164 } from '../shared/phone-number.ts';

/**
 * Why one recipient row was not stored. Stable: clients switch on these.
 *   invalid_number / number_not_possible: libphonenumber says so (see phone-number.ts);
 *   missing_number: a CSV row with an empty number cell;
 *   duplicate_number: already in this campaign (earlier in the same upload or before);
 *   suppressed_number: on this API key's do-not-call list;
 *   invalid_timezone: not an IANA zone name;
 *   premium_rate_number / shared_cost_number / number_type_not_allowed: a valid number of a type
 *     the operator does not call (dial-policy.ts, ALLOWED_NUMBER_TYPES); for a `{{placeholder}}`
 *     connect number, also the number the row's data renders into (or `connect_not_allowed`).
 */
export type RejectCode =
  | NumberProblem
  | NumberTypeProblem
  | PolicyProblem['code']
  | 'missing_number'
  | 'duplicate_number'
  | 'suppressed_number'
  | 'invalid_timezone';

/** A row as the client sent it; `index` is its 0-based position in the array or CSV data rows. */
export interface RawRecipient {
  index: number;
  /** CSV only: the line the row ends on, header included, for humans fixing the file. */
  line?: number;
  number: string;
  timezone?: string | null;
  data?: Record<string, unknown>;
}

export interface ValidRecipient {
  index: number;
  line?: number;
  /** What the client sent, for reporting a later duplicate or suppression. */
  input: string;
  number: E164;
  timezone: string | null;
  data: Record<string, unknown>;
}

export interface RejectedRow {
  index: number;
  line?: number;
  number: string;
  code: RejectCode;
}

/** Checks one row on its own (number and zone); duplicates and suppressions need the database. */
export function normalizeRow(
  row: RawRecipient,
  defaultRegion: string,
  policy?: DialPolicy,
  /** Connect actions with a placeholder number (dial-policy.ts placeholderConnects), checked per row. */
  connects: readonly unknown[] = [],
): ValidRecipient | RejectedRow {
  const input = row.number.trim();
  const reject = (code: RejectCode): RejectedRow => ({ index: row.index, ...lineOf(row), number: input, code });
  if (input === '') return reject('missing_number');
  const timezone = row.timezone?.trim() || null;
  const parsed = toE164(input, defaultRegion);
  if (!parsed.ok) return reject(parsed.problem);
  const typeProblem = policy && numberTypeProblem(parsed.number, policy);
  if (typeProblem) return reject(typeProblem);
  const connectProblem =
    policy && connects.length > 0 && connectProblems(renderNcco(connects, row.data ?? {}), policy)[0];
  if (connectProblem) return reject(connectProblem.code);
  if (timezone !== null && !isIanaZone(timezone)) return reject('invalid_timezone');
  return { index: row.index, ...lineOf(row), input, number: parsed.number, timezone, data: row.data ?? {} };
}

export function isRejected(row: ValidRecipient | RejectedRow): row is RejectedRow {
  return 'code' in row;
}

export function rejectValid(row: ValidRecipient, code: RejectCode): RejectedRow {
  return { index: row.index, ...lineOf(row), number: row.input, code };
}

function lineOf(row: { line?: number }): { line?: number } {
  return row.line === undefined ? {} : { line: row.line };
}

/** Splits rows into first occurrences and later duplicates of the same E.164 number. */
export function dedupe(rows: readonly ValidRecipient[]): { unique: ValidRecipient[]; duplicates: RejectedRow[] } {
  const seen = new Set<string>();
  const unique: ValidRecipient[] = [];
  const duplicates: RejectedRow[] = [];
  for (const row of rows) {
    if (seen.has(row.number)) duplicates.push(rejectValid(row, 'duplicate_number'));
    else {
      seen.add(row.number);
      unique.push(row);
    }
  }
  return { unique, duplicates };
}
