-- Intake: do-not-call lists and idempotency keys, both scoped per API key.
--   suppression:      a number one API key must never call; intake rejects it (suppressed_number).
--   idempotency key:  a client's `Idempotency-Key` header with the hash of the request it came
--                     with and the answer given, replayed for a retry of the same request.

create table suppressions (
  api_key_id  uuid not null references api_keys(id) on delete cascade,
  number      text not null,                       -- E.164
  created_at  timestamptz not null default now(),
  primary key (api_key_id, number)
);

create table idempotency_keys (
  api_key_id       uuid not null references api_keys(id) on delete cascade,
  key              text not null,
  request_hash     text not null,                  -- sha256 of method, path and canonical body
  -- Claimed first and filled with the answer in the same transaction, so a concurrent twin
  -- blocks on the primary key until this one commits (then replays) or rolls back (then runs).
  response_status  integer,
  response_body    jsonb,
  created_at       timestamptz not null default now(),
  primary key (api_key_id, key)
);
-- Old keys can be pruned by age; a client retries within minutes, not weeks.
create index idempotency_keys_by_age on idempotency_keys (created_at);

-- GET /v1/campaigns/:id counts recipients per status; without this a big campaign is a full scan.
create index recipients_by_status on recipients (campaign_id, status);
