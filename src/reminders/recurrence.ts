import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';

/**
 * Recurrence: a 5-field cron expression read as *local wall-clock time* in an IANA zone.
 *
 * cron-parser only enumerates wall-clock times (we run it in UTC, where wall time has no
 * gaps); turning a wall time into an instant is ours, so the daylight-saving rule is explicit:
 *   - a wall time that exists once maps to that instant (09:00 Amsterdam is 08:00Z in winter,
 *     07:00Z in summer: it stays 09:00 local across the switch);
 *   - a wall time that does not exist (spring forward, 02:30 on the last Sunday of March in
 *     Amsterdam) runs at the same distance after the gap: 02:30 → 03:30 local (01:30Z);
 *   - a wall time that exists twice (fall back, 02:30 on the last Sunday of October) runs
 *     once, at its first occurrence (02:30 CEST = 00:30Z).
 * This is RFC 5545's rule and Temporal's `disambiguation: 'compatible'`.
 */

/** Why a recurrence was refused; the API answers 400 with this code. */
export type RecurrenceProblem = 'invalid_cron' | 'invalid_timezone' | 'no_occurrence';

export class RecurrenceError extends Error {
  readonly problem: RecurrenceProblem;
  constructor(problem: RecurrenceProblem, message: string) {
    super(message);
    this.name = 'RecurrenceError';
    this.problem = problem;
  }
}

const MINUTE_MS = 60_000;
// DST and zone changes move the wall clock by at most a few hours; start the scan this far
// back in wall time so a wall time just before `after` that maps past it is not missed.
const WALL_LOOKBACK_MS = 4 * 60 * MINUTE_MS;
// Offsets on either side of a transition: zones never change offset twice within 12 h.
const TRANSITION_SPAN_MS = 12 * 60 * MINUTE_MS;
// Bounds the scan: the candidates skipped are those inside the lookback (≤ 240 per-minute ones).
const MAX_CANDIDATES = 1000;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Checks a cron expression: exactly 5 fields (minute hour day-of-month month day-of-week). */
export function assertCron(cron: string): void {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new RecurrenceError('invalid_cron', 'cron must have 5 fields: minute hour day-of-month month day-of-week');
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (err) {
    throw new RecurrenceError('invalid_cron', `Invalid cron expression: ${(err as Error).message}`);
  }
}

/**
 * The instant for a wall-clock time in `zone`, per the rule above. `wall` carries the local
 * fields as if they were UTC (Date.UTC(y, m, d, h, min)).
 */
export function wallTimeToInstant(wall: Date, zone: string): Date {
  const tz = IANAZone.create(zone);
  const wallMs = wall.getTime();
  const before = tz.offset(wallMs - TRANSITION_SPAN_MS);
  const after = tz.offset(wallMs + TRANSITION_SPAN_MS);
  const valid = [before, after]
    .map((offset) => wallMs - offset * MINUTE_MS)
    .filter((instant) => wallMs - tz.offset(instant) * MINUTE_MS === instant);
  if (valid.length > 0) return new Date(Math.min(...valid));
  // In the gap: read the wall time with the offset in force before the gap, which lands as far
  // after the gap's end as the wall time was after its start.
  return new Date(wallMs - before * MINUTE_MS);
}

/** The wall-clock reading of `instant` in `zone`, as a UTC-fielded Date. */
function instantToWallTime(instant: Date, zone: string): Date {
  const offset = IANAZone.create(zone).offset(instant.getTime());
  return new Date(instant.getTime() + offset * MINUTE_MS);
}

/**
 * The first occurrence strictly after `after`, or undefined when the cron has none (it can
 * still be valid, e.g. only on 29 February, but then one comes within the scan).
 */
export function nextOccurrence(cron: string, zone: string, after: Date): Date | undefined {
  if (!isValidTimeZone(zone)) throw new RecurrenceError('invalid_timezone', `Unknown time zone "${zone}"`);
  const start = new Date(instantToWallTime(after, zone).getTime() - WALL_LOOKBACK_MS);
  const walls = CronExpressionParser.parse(cron.trim(), { currentDate: start, tz: 'UTC' });
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    let wall: Date;
    try {
      wall = walls.next().toDate();
    } catch {
      return undefined; // cron-parser gives up on expressions with no next date
    }
    const instant = wallTimeToInstant(wall, zone);
    if (instant.getTime() > after.getTime()) return instant;
  }
  return undefined;
}

export interface RecurrenceRule {
  cron: string;
  timezone: string;
  /** No occurrence after this instant. */
  until?: Date | null;
  /** At most this many occurrences in total. */
  count?: number | null;
}

/**
 * The occurrence that run number `run` (1-based) should use, first after `after`, honouring
 * `until` and `count`; undefined when the recurrence is over.
 */
export function nextRun(rule: RecurrenceRule, run: number, after: Date): Date | undefined {
  if (rule.count != null && run > rule.count) return undefined;
  const next = nextOccurrence(rule.cron, rule.timezone, after);
  if (!next) return undefined;
  if (rule.until && next.getTime() > rule.until.getTime()) return undefined;
  return next;
}
