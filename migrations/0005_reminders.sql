-- Reminders: single calls at a moment (`run_at`) or on a recurrence (cron in a local time zone).
--   reminder:  one number, one NCCO (or answer URL), one schedule, owned by one API key.
--   run:       one occurrence of the schedule (run 1, 2, …); a one-off reminder has exactly one.
--   attempt:   a call_attempts row with reminder_id set; a run's retries are attempts 2, 3, ….
--   outbox:    attempts written to Postgres whose BullMQ job is not yet known to be in Redis.
-- Postgres holds the truth; Redis jobs are rebuilt from pending attempts after a loss.

create table reminders (
  id            uuid primary key default gen_random_uuid(),
  api_key_id    uuid not null references api_keys(id),
  to_number     text not null,                       -- E.164
  from_number   text not null,                       -- E.164
  ncco          jsonb,
  answer_url    text,
  run_at        timestamptz,                         -- one-off
  cron          text,                                -- recurring: 5 fields, local wall time
  timezone      text not null default 'UTC',         -- IANA; the cron's and the call window's zone
  until_at      timestamptz,                         -- recurring: no run after this
  max_runs      integer check (max_runs > 0),        -- recurring: at most this many runs
  call_window   jsonb,                               -- { start: "09:00", end: "20:00", days: [1..7] }
  retry_policy  jsonb not null,                      -- { maxAttempts, retryOn: [...], delaySeconds }
  call_options  jsonb not null default '{}',
  status        text not null default 'active' check (status in ('active', 'cancelled', 'completed')),
  run_count     integer not null default 0,          -- runs scheduled so far
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  cancelled_at  timestamptz,
  completed_at  timestamptz,
  check ((ncco is null) <> (answer_url is null)),
  check ((run_at is null) <> (cron is null))
);
create index reminders_by_key on reminders (api_key_id, created_at desc, id desc);

alter table call_attempts
  add column reminder_id uuid references reminders(id) on delete cascade,
  add column reminder_run integer;
-- One attempt per (run, attempt number): scheduling the same run twice is a no-op.
create unique index call_attempts_reminder_run on call_attempts (reminder_id, reminder_run, attempt_no)
  where reminder_id is not null;
-- The start-up rescan: every reminder attempt still waiting to be dialed.
create index call_attempts_reminder_queued on call_attempts (due_at) where reminder_id is not null and status = 'queued';

create table reminder_outbox (
  attempt_id  uuid primary key references call_attempts(id) on delete cascade,
  created_at  timestamptz not null default now()
);
