import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.ts';

/**
 * Rows written straight into Postgres with `generate_series`, for benchmarks that need a state
 * (dialed calls, a finished million-call campaign) faster than the product could produce it.
 * Campaigns themselves are created through the API, so their shape is always the real one.
 */

/** `count` recipients of the campaign, each with one attempt dialed and waiting for events. */
export async function seedDialedAttempts(db: Db, campaignId: string, count: number): Promise<Array<[string, string]>> {
  await sql`
    insert into recipients (campaign_id, number, status, attempt_count)
    select ${campaignId}::uuid, '+316' || (10000000 + g)::text, 'queued', 1
    from generate_series(0, ${count - 1}::int) g`.execute(db);
  const { rows } = await sql<{ id: string; call_uuid: string }>`
    insert into call_attempts (campaign_id, recipient_id, attempt_no, to_number, status, call_uuid, dial_started_at)
    select campaign_id, id, 1, number, 'dialing', gen_random_uuid()::text, now()
    from recipients where campaign_id = ${campaignId}::uuid
    returning id, call_uuid`.execute(db);
  await sql`update campaigns set recipient_count = ${count} where id = ${campaignId}::uuid`.execute(db);
  return rows.map((row) => [row.id, row.call_uuid]);
}

export interface FinishedCampaignSize {
  attempts: number;
  eventsPerAttempt: number;
  /** Rows per statement: bounds each transaction's size and shows progress. */
  chunk: number;
  /** Minutes the dial times are spread over, ending now. */
  spreadMinutes: number;
}

// Outcome mix by position (g % 20): 14 completed, 2 busy, 2 unanswered, 1 timeout, 1 failed.
const OUTCOME_SQL = sql`(array['completed','completed','completed','completed','completed','completed','completed',
  'completed','completed','completed','completed','completed','completed','completed','busy','busy','unanswered',
  'unanswered','timeout','failed'])[1 + g % 20]`;

/**
 * A finished campaign: `attempts` recipients (done) with one ended attempt each, and
 * `eventsPerAttempt` events per attempt. Counter triggers run as they would for real writes.
 */
export async function seedFinishedCampaign(
  db: Db,
  campaignId: string,
  size: FinishedCampaignSize,
  progress: (done: number, what: string) => void,
): Promise<void> {
  for (let from = 0; from < size.attempts; from += size.chunk) {
    const to = Math.min(size.attempts, from + size.chunk) - 1;
    await sql`
      with g as (select g from generate_series(${from}::int, ${to}::int) g),
      r as (
        insert into recipients (campaign_id, number, status, attempt_count, final_outcome)
        select ${campaignId}::uuid, '+316' || (10000000 + g)::text, 'done', 1, ${OUTCOME_SQL} from g
        returning id, number, final_outcome)
      insert into call_attempts (campaign_id, recipient_id, attempt_no, to_number, status, outcome, call_uuid,
        conversation_uuid, due_at, dial_started_at, answered_at, ended_at, duration_seconds, price, rate, network,
        created_at, updated_at)
      select ${campaignId}::uuid, r.id, 1, r.number, 'ended', r.final_outcome, gen_random_uuid()::text,
        'CON-' || gen_random_uuid()::text, t.at, t.at,
        case when r.final_outcome = 'completed' then t.at + interval '8 seconds' end,
        t.at + interval '40 seconds',
        case when r.final_outcome = 'completed' then 30 + (r.id % 90)::int else 0 end,
        case when r.final_outcome = 'completed' then 0.05 + (r.id % 90) / 600.0 else 0 end,
        0.1, '20416', t.at, t.at + interval '40 seconds'
      from r, lateral (select now() - (${size.spreadMinutes}::int * interval '1 minute')
        -- g again, from the number it was written into: the CTE's new rows are not yet countable.
        * (1 - (substr(r.number, 5)::int - 10000000)::float8 / ${size.attempts}::int) as at) t`.execute(db);
    progress(to + 1, 'attempts');
  }
  await sql`update campaigns set recipient_count = ${size.attempts}, status = 'completed', completed_at = now()
    where id = ${campaignId}::uuid`.execute(db);
  await seedEvents(db, campaignId, size, progress);
  await sql`analyze`.execute(db);
}

const EVENT_STATUSES = sql`(array['started','ringing','answered','transfer','completed'])`;

async function seedEvents(
  db: Db,
  campaignId: string,
  size: FinishedCampaignSize,
  progress: (done: number, what: string) => void,
): Promise<void> {
  const { rows } = await sql<{ lo: string; hi: string }>`
    select min(id)::text as lo, max(id)::text as hi from recipients where campaign_id = ${campaignId}::uuid`.execute(
    db,
  );
  const lo = Number(rows[0]?.lo);
  const hi = Number(rows[0]?.hi);
  const step = Math.max(1, Math.floor(size.chunk / size.eventsPerAttempt));
  for (let from = lo; from <= hi; from += step) {
    await sql`
      insert into call_events (attempt_id, call_uuid, status, event_at, dedupe_key, payload, received_at)
      select a.id, a.call_uuid, ${EVENT_STATUSES}[1 + (e % 5)], a.dial_started_at + e * interval '5 seconds',
        a.call_uuid || '|' || ${EVENT_STATUSES}[1 + (e % 5)] || '|' || e,
        jsonb_build_object('uuid', a.call_uuid, 'conversation_uuid', a.conversation_uuid,
          'status', ${EVENT_STATUSES}[1 + (e % 5)], 'direction', 'outbound', 'from', '31201234567',
          'to', substr(a.to_number, 2), 'timestamp', a.dial_started_at + e * interval '5 seconds'),
        a.dial_started_at + e * interval '5 seconds'
      from call_attempts a, generate_series(0, ${size.eventsPerAttempt - 1}::int) e
      where a.campaign_id = ${campaignId}::uuid and a.recipient_id between ${from} and ${from + step - 1}`.execute(db);
    progress(Math.min(hi, from + step - 1) - lo + 1, 'attempts with events');
  }
}
