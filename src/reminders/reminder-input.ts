import type { NewReminder } from '../db/database.ts';
import { callSetupColumns } from '../shared/call-columns.ts';
import { AppError } from '../shared/errors.ts';
import { toE164 } from '../shared/phone-number.ts';
import type { FieldProblem } from '../shared/validation.ts';
import { assertCron, isValidTimeZone, nextRun, RecurrenceError } from './recurrence.ts';
import type { CreateReminderInput } from './reminder-schema.ts';

/**
 * Turns a parsed request into a reminders row, or a 400 `validation_failed` listing every
 * problem with its field and a stable code:
 *   schedule_required / at_and_recurrence – give exactly one of `at` and `recurrence`
 *   time_in_past   – `at` (or `recurrence.until`) is not in the future
 *   invalid_cron / invalid_timezone – the recurrence cannot be read
 *   no_occurrence  – the recurrence never fires (e.g. `until` before its first occurrence)
 *   timezone_conflict – `timezone` differs from `recurrence.timezone`
 *   invalid_number / number_not_possible – `to` or `from` (suppressed_number: checked by the service)
 */
export function reminderValues(apiKeyId: string, input: CreateReminderInput, region: string, now: Date): NewReminder {
  const problems: FieldProblem[] = [];
  const to = toE164(input.to, region);
  if (!to.ok) problems.push({ field: 'to', code: to.problem, message: 'not a valid phone number' });
  const from = toE164(input.from, region);
  if (!from.ok) problems.push({ field: 'from', code: from.problem, message: 'not a valid phone number' });
  problems.push(...scheduleProblems(input, now));
  if (problems.length > 0 || !to.ok || !from.ok) {
    const fields = [...new Set(problems.map((problem) => problem.field))].join(', ');
    throw new AppError('validation_failed', 400, `Invalid body: ${fields}`, { details: problems });
  }
  const recurrence = input.recurrence;
  return {
    api_key_id: apiKeyId,
    to_number: to.number,
    from_number: from.number,
    ...callSetupColumns(input),
    run_at: input.at ? new Date(input.at) : null,
    cron: recurrence ? recurrence.cron.trim().split(/\s+/).join(' ') : null,
    timezone: recurrence?.timezone ?? input.timezone ?? 'UTC',
    until_at: recurrence?.until ? new Date(recurrence.until) : null,
    max_runs: recurrence?.count ?? null,
  };
}

function problem(field: string, code: string, message: string): FieldProblem {
  return { field, code, message };
}

function scheduleProblems(input: CreateReminderInput, now: Date): FieldProblem[] {
  const { at, recurrence } = input;
  if (at !== undefined && recurrence !== undefined) {
    return [problem('at', 'at_and_recurrence', 'give either at or recurrence, not both')];
  }
  if (at !== undefined) {
    return new Date(at).getTime() <= now.getTime() ? [problem('at', 'time_in_past', 'at must be in the future')] : [];
  }
  if (recurrence === undefined) {
    return [problem('at', 'schedule_required', 'give at (one call) or recurrence (repeated calls)')];
  }
  const problems: FieldProblem[] = [];
  if (input.timezone !== undefined && input.timezone !== recurrence.timezone) {
    problems.push(problem('timezone', 'timezone_conflict', 'leave timezone out or equal to recurrence.timezone'));
  }
  try {
    assertCron(recurrence.cron);
  } catch (err) {
    problems.push(problem('recurrence.cron', 'invalid_cron', (err as Error).message));
  }
  if (!isValidTimeZone(recurrence.timezone)) {
    problems.push(problem('recurrence.timezone', 'invalid_timezone', 'must be an IANA zone such as Europe/Amsterdam'));
  }
  const until = recurrence.until ? new Date(recurrence.until) : undefined;
  if (until && until.getTime() <= now.getTime()) {
    problems.push(problem('recurrence.until', 'time_in_past', 'until must be in the future'));
  }
  if (problems.length > 0) return problems;
  return firstRunProblems({ ...recurrence, until }, now);
}

function firstRunProblems(rule: { cron: string; timezone: string; until?: Date | undefined }, now: Date) {
  try {
    if (nextRun(rule, 1, now)) return [];
  } catch (err) {
    if (!(err instanceof RecurrenceError)) throw err;
  }
  return [problem('recurrence', 'no_occurrence', 'this recurrence has no run in the future')];
}
