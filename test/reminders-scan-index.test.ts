import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { latestRunsDialedQuery } from '../src/reminders/reminder-schedule.ts';
import { createTestDatabase, type TestDatabase } from './support/services.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/** The reminder scheduler's once-a-second scans cost the live work, not the history. */
describe('reminder scan plans', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const { id: keyId } = await createApiKey(database.db, 'scan');
    // 30,000 finished recurrences and 5 active ones, each with a run that has been dialed.
    await sql`
      insert into reminders (api_key_id, to_number, from_number, ncco, cron, retry_policy, status, run_count)
      select ${keyId}::uuid, '+31612345678', '+31201234567', '[]'::jsonb, '0 9 * * *', '{}'::jsonb,
             case when g <= 5 then 'active' else 'completed' end, 1
      from generate_series(1, 30005) g`.execute(database.db);
    await sql`
      insert into call_attempts (reminder_id, reminder_run, attempt_no, to_number, status, due_at)
      select id, 1, 1, to_number, 'dialing', now() from reminders`.execute(database.db);
    await sql`analyze reminders`.execute(database.db);
    await sql`analyze call_attempts`.execute(database.db);
  });
  afterAll(() => database?.drop());

  const planOf = async (compiled: { sql: string; parameters: readonly unknown[] }) => {
    const explained = await database.db.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>({
      ...compiled,
      sql: `explain (format json) ${compiled.sql}`,
      query: { kind: 'RawNode' } as never,
      queryId: { queryId: 'explain' },
    });
    const plan = explained.rows[0]?.['QUERY PLAN'][0];
    if (!plan) throw new Error('EXPLAIN returned no plan');
    return nodes(plan.Plan);
  };

  it('the next-run scan reads active recurrences through an index, never a scan of every reminder', async () => {
    const plan = await planOf(latestRunsDialedQuery(database.db, 200).compile());
    const onReminders = plan.filter((node) => node['Relation Name'] === 'reminders');
    console.log(onReminders.map((node) => `${node['Node Type']} ${node['Index Name'] ?? ''}`));
    expect(onReminders.length).toBeGreaterThan(0);
    expect(onReminders.every((node) => node['Node Type'] !== 'Seq Scan')).toBe(true);
    expect(plan.some((node) => node['Index Name'] === 'reminders_active_recurring')).toBe(true);
  });

  it('the outbox flush takes its oldest rows through an index', async () => {
    await sql`insert into reminder_outbox (attempt_id, created_at)
              select id, now() - make_interval(secs => row_number() over ()) from call_attempts`.execute(database.db);
    await sql`analyze reminder_outbox`.execute(database.db);
    const flush = database.db
      .selectFrom('reminder_outbox as o')
      .innerJoin('call_attempts as a', 'a.id', 'o.attempt_id')
      .select(['a.id', 'a.due_at', 'a.status'])
      .orderBy('o.created_at')
      .limit(200)
      .forUpdate('o')
      .skipLocked();
    const plan = await planOf(flush.compile());
    const onOutbox = plan.filter((node) => node['Relation Name'] === 'reminder_outbox');
    console.log(onOutbox.map((node) => `${node['Node Type']} ${node['Index Name'] ?? ''}`));
    expect(onOutbox.every((node) => node['Node Type'] !== 'Seq Scan')).toBe(true);
  });
});
