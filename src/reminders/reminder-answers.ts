import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';
import { type AnswerCounts, toCounts } from '../shared/call-responses.ts';

export interface RunAnswer {
  run: number;
  label: string | null;
  digits: string | null;
  outcome: string | null;
}

/** Each run's answer from its attempts (newest first): the latest answered attempt, else the latest attempt. */
export function runAnswers(
  attempts: readonly {
    reminder_run: number | null;
    attempt_no: number;
    outcome: string | null;
    answer_label: string | null;
    answer_digits: string | null;
  }[],
): RunAnswer[] {
  const runs = new Map<number, RunAnswer>();
  for (const attempt of attempts) {
    if (attempt.reminder_run === null) continue;
    const known = runs.get(attempt.reminder_run);
    if (known && (known.label !== null || attempt.answer_label === null)) continue;
    runs.set(attempt.reminder_run, {
      run: attempt.reminder_run,
      label: attempt.answer_label,
      digits: attempt.answer_digits,
      outcome: known?.outcome ?? attempt.outcome,
    });
  }
  return [...runs.values()].sort((a, b) => b.run - a.run);
}

/** Runs per answer label over the reminder's whole history (one per run: its latest answer). */
export async function reminderAnswerCounts(db: DbOrTrx, reminderId: string): Promise<AnswerCounts> {
  const { rows } = await sql<{ answer_label: string; n: string }>`
    select answer_label, count(*) as n from (
      select distinct on (reminder_run) answer_label
      from call_attempts
      where reminder_id = ${reminderId}::uuid and answer_label is not null
      order by reminder_run, attempt_no desc
    ) latest group by answer_label`.execute(db);
  return toCounts(rows);
}
