import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_STATUSES, OUTCOMES } from '../src/calls/call-status.ts';
import { createTestDatabase, type TestDatabase } from './support/services.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** The quoted values of a CHECK (… in (…)) constraint, as Postgres stores it. */
async function allowedBy(constraint: string): Promise<string[]> {
  const { rows } = await sql<{ def: string }>`
    select pg_get_constraintdef(oid) as def from pg_constraint where conname = ${constraint}`.execute(database.db);
  const def = rows[0]?.def ?? '';
  return [...def.matchAll(/'([a-z_]+)'::text/g)].map((match) => match[1] as string).sort();
}

describe('status columns are CHECKed with exactly the values the code knows', () => {
  it('call_attempts.status allows the state machine statuses and nothing else', async () => {
    expect(await allowedBy('call_attempts_status_check')).toEqual([...CALL_STATUSES].sort());
  });

  it('call_attempts.outcome allows the outcomes and nothing else', async () => {
    expect(await allowedBy('call_attempts_outcome_check')).toEqual([...OUTCOMES].sort());
  });

  it('recipients.final_outcome allows the outcomes and `suppressed`', async () => {
    expect(await allowedBy('recipients_final_outcome_check')).toEqual([...new Set([...OUTCOMES, 'suppressed'])].sort());
  });

  it('refuses an attempt with an unknown status, or ended without an outcome', async () => {
    const insert = (status: string, outcome: string | null) =>
      sql`insert into call_attempts (attempt_no, to_number, status, outcome) values (1, '+31612345678', ${status}, ${outcome})`.execute(
        database.db,
      );
    await expect(insert('ringing-ish', null)).rejects.toThrow(/call_attempts_status_check/);
    await expect(insert('ended', null)).rejects.toThrow(/call_attempts_outcome_when_ended/);
    await expect(insert('ended', 'exploded')).rejects.toThrow(/call_attempts_outcome_check/);
  });
});
