-- Events and reports: counters kept current by triggers, so a campaign summary reads a few dozen
-- rows however many attempts and events it has; plus the indexes the report pages walk.
--   attempt counter:   per (campaign, shard, status, outcome): attempts, answered ones, talk seconds, cost.
--   recipient counter: per (campaign, shard, status): recipients.
--   minute counter:    per (campaign, UTC minute, shard): attempts dialed (calls per minute).
-- Why shards: every status change of every attempt adjusts a counter row inside the writer's
-- transaction; one row per campaign would serialize all webhook transactions of a campaign on its
-- row lock. Sixteen shards (by attempt id hash, by recipient id) spread that lock. Each statement's
-- deltas are summed first and applied in key order, so two writers never lock in opposite order.

create table campaign_attempt_counters (
  campaign_id   uuid not null references campaigns(id) on delete cascade,
  shard         smallint not null,
  status        text not null,
  outcome       text not null default '',           -- '' while the attempt has none
  attempts      bigint not null default 0,
  answered      bigint not null default 0,          -- of those, with answered_at set
  talk_seconds  bigint not null default 0,
  cost          numeric(20, 6) not null default 0,
  primary key (campaign_id, shard, status, outcome)
);

create table campaign_recipient_counters (
  campaign_id  uuid not null references campaigns(id) on delete cascade,
  shard        smallint not null,
  status       text not null,
  recipients   bigint not null default 0,
  primary key (campaign_id, shard, status)
);

-- Folds one UPDATE statement's old and new rows into counter deltas. Statement-level with transition
-- tables: a feeder inserting 1,000 attempts touches each counter row once, not 1,000 times.
create function count_call_attempts() returns trigger language plpgsql as $$
begin
  insert into campaign_attempt_counters as c (campaign_id, shard, status, outcome, attempts, answered, talk_seconds, cost)
  select campaign_id, shard, status, outcome, sum(n), sum(a), sum(t), sum(p)
  from (
    select campaign_id, (abs(hashtext(id::text)) % 16)::smallint as shard, status, coalesce(outcome, '') as outcome,
           1 as n, (answered_at is not null)::int as a, coalesce(duration_seconds, 0) as t, coalesce(price, 0) as p
    from new_rows
    union all
    select campaign_id, (abs(hashtext(id::text)) % 16)::smallint, status, coalesce(outcome, ''),
           -1, -(answered_at is not null)::int, -coalesce(duration_seconds, 0), -coalesce(price, 0)
    from old_rows
  ) delta
  where campaign_id is not null
  group by campaign_id, shard, status, outcome
  having sum(n) <> 0 or sum(a) <> 0 or sum(t) <> 0 or sum(p) <> 0
  order by campaign_id, shard, status, outcome
  on conflict (campaign_id, shard, status, outcome) do update
    set attempts = c.attempts + excluded.attempts,
        answered = c.answered + excluded.answered,
        talk_seconds = c.talk_seconds + excluded.talk_seconds,
        cost = c.cost + excluded.cost;
  return null;
end $$;

-- Transition tables exist only for the events named, and INSERT has no old rows: one trigger each.
create function count_call_attempts_insert() returns trigger language plpgsql as $$
begin
  insert into campaign_attempt_counters as c (campaign_id, shard, status, outcome, attempts, answered, talk_seconds, cost)
  select campaign_id, (abs(hashtext(id::text)) % 16)::smallint as shard, status, coalesce(outcome, '') as outcome,
         count(*), count(answered_at), coalesce(sum(duration_seconds), 0), coalesce(sum(price), 0)
  from new_rows
  where campaign_id is not null
  group by 1, 2, 3, 4
  order by 1, 2, 3, 4
  on conflict (campaign_id, shard, status, outcome) do update
    set attempts = c.attempts + excluded.attempts,
        answered = c.answered + excluded.answered,
        talk_seconds = c.talk_seconds + excluded.talk_seconds,
        cost = c.cost + excluded.cost;
  return null;
end $$;

create function count_call_attempts_delete() returns trigger language plpgsql as $$
begin
  update campaign_attempt_counters c
     set attempts = c.attempts - d.n, answered = c.answered - d.a,
         talk_seconds = c.talk_seconds - d.t, cost = c.cost - d.p
    from (select campaign_id, (abs(hashtext(id::text)) % 16)::smallint as shard, status,
                 coalesce(outcome, '') as outcome, count(*) as n, count(answered_at) as a,
                 coalesce(sum(duration_seconds), 0) as t, coalesce(sum(price), 0) as p
            from old_rows where campaign_id is not null group by 1, 2, 3, 4) d
   where c.campaign_id = d.campaign_id and c.shard = d.shard and c.status = d.status and c.outcome = d.outcome;
  return null;
end $$;

create trigger call_attempts_count_insert after insert on call_attempts
  referencing new table as new_rows for each statement execute function count_call_attempts_insert();
create trigger call_attempts_count_update after update on call_attempts
  referencing old table as old_rows new table as new_rows for each statement execute function count_call_attempts();
create trigger call_attempts_count_delete after delete on call_attempts
  referencing old table as old_rows for each statement execute function count_call_attempts_delete();

create function count_recipients() returns trigger language plpgsql as $$
begin
  insert into campaign_recipient_counters as c (campaign_id, shard, status, recipients)
  select campaign_id, shard, status, sum(n)
  from (
    select campaign_id, (id % 16)::smallint as shard, status, 1 as n from new_rows
    union all
    select campaign_id, (id % 16)::smallint, status, -1 from old_rows
  ) delta
  group by campaign_id, shard, status
  having sum(n) <> 0
  order by campaign_id, shard, status
  on conflict (campaign_id, shard, status) do update set recipients = c.recipients + excluded.recipients;
  return null;
end $$;

create function count_recipients_insert() returns trigger language plpgsql as $$
begin
  insert into campaign_recipient_counters as c (campaign_id, shard, status, recipients)
  select campaign_id, (id % 16)::smallint, status, count(*) from new_rows group by 1, 2, 3 order by 1, 2, 3
  on conflict (campaign_id, shard, status) do update set recipients = c.recipients + excluded.recipients;
  return null;
end $$;

create function count_recipients_delete() returns trigger language plpgsql as $$
begin
  update campaign_recipient_counters c set recipients = c.recipients - d.n
    from (select campaign_id, (id % 16)::smallint as shard, status, count(*) as n from old_rows group by 1, 2, 3) d
   where c.campaign_id = d.campaign_id and c.shard = d.shard and c.status = d.status;
  return null;
end $$;

create trigger recipients_count_insert after insert on recipients
  referencing new table as new_rows for each statement execute function count_recipients_insert();
create trigger recipients_count_update after update on recipients
  referencing old table as old_rows new table as new_rows for each statement execute function count_recipients();
create trigger recipients_count_delete after delete on recipients
  referencing old table as old_rows for each statement execute function count_recipients_delete();

-- Rows written before this migration: count them once.
insert into campaign_attempt_counters (campaign_id, shard, status, outcome, attempts, answered, talk_seconds, cost)
select campaign_id, (abs(hashtext(id::text)) % 16)::smallint, status, coalesce(outcome, ''),
       count(*), count(answered_at), coalesce(sum(duration_seconds), 0), coalesce(sum(price), 0)
from call_attempts where campaign_id is not null group by 1, 2, 3, 4;
insert into campaign_recipient_counters (campaign_id, shard, status, recipients)
select campaign_id, (id % 16)::smallint, status, count(*) from recipients group by 1, 2, 3;

-- Calls per minute: attempts dialed per campaign and minute, kept by triggers like the counters
-- above (only a statement that sets or moves dial_started_at changes a row). The triggers are
-- named so they fire after the counters' (alphabetical order): every writer locks in one order.
create table campaign_minute_counters (
  campaign_id  uuid not null references campaigns(id) on delete cascade,
  minute       timestamptz not null,               -- UTC minute the attempt was dialed in
  shard        smallint not null,
  calls        bigint not null default 0,
  primary key (campaign_id, minute, shard)
);

create function count_dial_minutes() returns trigger language plpgsql as $$
begin
  insert into campaign_minute_counters as c (campaign_id, minute, shard, calls)
  select campaign_id, minute, shard, sum(n)
  from (
    select campaign_id, date_trunc('minute', dial_started_at at time zone 'UTC') at time zone 'UTC' as minute,
           (abs(hashtext(id::text)) % 16)::smallint as shard, 1 as n
    from new_rows where dial_started_at is not null and campaign_id is not null
    union all
    select campaign_id, date_trunc('minute', dial_started_at at time zone 'UTC') at time zone 'UTC',
           (abs(hashtext(id::text)) % 16)::smallint, -1
    from old_rows where dial_started_at is not null and campaign_id is not null
  ) delta
  group by campaign_id, minute, shard
  having sum(n) <> 0
  order by campaign_id, minute, shard
  on conflict (campaign_id, minute, shard) do update set calls = c.calls + excluded.calls;
  return null;
end $$;

create function count_dial_minutes_insert() returns trigger language plpgsql as $$
begin
  insert into campaign_minute_counters as c (campaign_id, minute, shard, calls)
  select campaign_id, date_trunc('minute', dial_started_at at time zone 'UTC') at time zone 'UTC',
         (abs(hashtext(id::text)) % 16)::smallint, count(*)
  from new_rows where dial_started_at is not null and campaign_id is not null
  group by 1, 2, 3 order by 1, 2, 3
  on conflict (campaign_id, minute, shard) do update set calls = c.calls + excluded.calls;
  return null;
end $$;

create trigger call_attempts_minutes_insert after insert on call_attempts
  referencing new table as new_rows for each statement execute function count_dial_minutes_insert();
create trigger call_attempts_minutes_update after update on call_attempts
  referencing old table as old_rows new table as new_rows for each statement execute function count_dial_minutes();

insert into campaign_minute_counters (campaign_id, minute, shard, calls)
select campaign_id, date_trunc('minute', dial_started_at at time zone 'UTC') at time zone 'UTC',
       (abs(hashtext(id::text)) % 16)::smallint, count(*)
from call_attempts where dial_started_at is not null and campaign_id is not null group by 1, 2, 3;

-- The CSV report walks one campaign's recipients in id order, in keyset pages.
create index recipients_by_campaign_id on recipients (campaign_id, id);
-- A recipient's attempts for its CSV row come from call_attempts' unique (recipient_id, attempt_no).
-- The calls list filters one campaign by number.
create index call_attempts_by_number on call_attempts (campaign_id, to_number, created_at, id);

-- Events are stored by the receiver (one statement, then 2xx) and applied to their attempt by the
-- event applier soon after. Pending ones are listed here, not flagged on call_events: an insert
-- and a delete on this narrow table cost less than re-writing every event row and its indexes.
-- No foreign keys: the applier drops rows whose event or attempt has gone.
create table call_event_queue (
  event_id    bigint primary key,
  attempt_id  uuid not null
);
create index call_event_queue_by_attempt on call_event_queue (attempt_id);
