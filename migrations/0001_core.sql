-- Core schema: API keys, campaigns, recipients, call attempts and their events.
-- Terminology:
--   campaign:  a batch of recipients called with one NCCO (or answer URL) and one policy.
--   recipient: one number in a campaign; its status says where it is in the pipeline.
--   attempt:   one create-call request for a recipient (or reminder); retries are new attempts.
--   event:     one callback from the gateway about an attempt, stored raw and parsed.

create table api_keys (
  id          uuid primary key default gen_random_uuid(),
  name        text not null,
  key_hash    text not null unique,          -- sha256 hex of the key; the key itself is never stored
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz
);

create table campaigns (
  id               uuid primary key default gen_random_uuid(),
  api_key_id       uuid not null references api_keys(id),
  name             text not null,
  from_number      text not null,                  -- E.164
  ncco             jsonb,                          -- template; {{placeholders}} filled per recipient
  answer_url       text,
  status           text not null default 'running'
                   check (status in ('running', 'paused', 'cancelled', 'completed')),
  start_at         timestamptz not null default now(),
  timezone         text not null default 'UTC',    -- for the calling window when a recipient has none
  call_window      jsonb,                          -- { start: "09:00", end: "20:00", days: [1..7] }
  retry_policy     jsonb not null,                 -- { maxAttempts, retryOn: [...], delaySeconds }
  call_options     jsonb not null default '{}',    -- machine_detection, ringing_timer, length_timer
  recipient_count  integer not null default 0,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  completed_at     timestamptz,
  check ((ncco is null) <> (answer_url is null))
);
create index campaigns_by_key on campaigns (api_key_id, created_at desc, id desc);
create index campaigns_running on campaigns (start_at) where status = 'running';

create table recipients (
  id               bigint generated always as identity primary key,
  campaign_id      uuid not null references campaigns(id) on delete cascade,
  number           text not null,                  -- E.164
  timezone         text,                           -- IANA; overrides the campaign's
  data             jsonb not null default '{}',    -- values for NCCO placeholders
  status           text not null default 'pending'
                   check (status in ('pending', 'queued', 'done', 'cancelled')),
  attempt_count    integer not null default 0,
  next_attempt_at  timestamptz,                    -- null: due when the campaign starts
  final_outcome    text,
  unique (campaign_id, number)
);
-- The feeder's scan: pending recipients of one campaign in due order.
create index recipients_pending on recipients (campaign_id, next_attempt_at nulls first, id)
  where status = 'pending';

create table call_attempts (
  id                 uuid primary key default gen_random_uuid(),
  campaign_id        uuid references campaigns(id) on delete cascade,
  recipient_id       bigint references recipients(id) on delete cascade,
  attempt_no         integer not null,
  to_number          text not null,                -- E.164
  status             text not null default 'queued',
  outcome            text,                         -- set when status = 'ended'
  detail             text,
  call_uuid          text unique,
  conversation_uuid  text,
  due_at             timestamptz not null default now(),
  dial_started_at    timestamptz,                  -- when the create-call request left
  answered_at        timestamptz,
  ended_at           timestamptz,
  duration_seconds   integer,
  price              numeric(14, 6),
  rate               numeric(14, 6),
  network            text,
  gateway_error      jsonb,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  unique (recipient_id, attempt_no)
);
create index call_attempts_by_campaign on call_attempts (campaign_id, created_at, id);
create index call_attempts_open on call_attempts (status, updated_at) where status <> 'ended';

create table call_events (
  id           bigint generated always as identity primary key,
  attempt_id   uuid references call_attempts(id) on delete cascade,
  call_uuid    text,
  status       text,
  event_at     timestamptz,
  dedupe_key   text not null unique,                -- (uuid, status, timestamp): deliveries repeat
  payload      jsonb not null,
  received_at  timestamptz not null default now()
);
create index call_events_by_attempt on call_events (attempt_id, event_at);
