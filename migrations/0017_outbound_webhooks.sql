-- Outbound webhooks (issue 13): results pushed to the customer's own endpoints.
--   endpoint:  a URL of one API key with the event types it wants and its signing secret.
--   event:     one outbound event (call.completed, …), written in the same transaction as the
--              change that causes it (transactional outbox); its id is the stable `webhook-id`.
--   delivery:  one event for one endpoint; `enqueued` is false until its BullMQ job exists, so
--              an event written while Redis is down is delivered once Redis is back.
--   delivery attempt: one HTTP try of a delivery (status, latency, error), the readable log.

create table webhook_endpoints (
  id                     uuid primary key default gen_random_uuid(),
  api_key_id             uuid not null references api_keys(id),
  url                    text not null,
  event_types            text[] not null,
  description            text,
  secret                 text not null,            -- whsec_<base64>; needed in clear to sign
  previous_secret        text,                     -- still signed with until previous_secret_until
  previous_secret_until  timestamptz,
  status                 text not null default 'enabled' check (status in ('enabled', 'disabled')),
  disabled_reason        text,
  disabled_at            timestamptz,
  failing_since          timestamptz,              -- first failure since the last success
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  deleted_at             timestamptz
);
create index webhook_endpoints_by_key on webhook_endpoints (api_key_id, created_at desc, id desc)
  where deleted_at is null;

create table webhook_events (
  id          uuid primary key default gen_random_uuid(),
  api_key_id  uuid not null references api_keys(id),
  type        text not null,
  payload     jsonb not null,                      -- the exact body sent: { id, type, timestamp, data }
  created_at  timestamptz not null default now()
);

create table webhook_deliveries (
  id               uuid primary key default gen_random_uuid(),
  event_id         uuid not null references webhook_events(id) on delete cascade,
  endpoint_id      uuid not null references webhook_endpoints(id) on delete cascade,
  status           text not null default 'pending'
                   check (status in ('pending', 'delivered', 'failed')),
  enqueued         boolean not null default false,
  tries            integer not null default 0,
  replays          integer not null default 0,     -- manual retries, part of the job id
  last_status_code integer,
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  unique (event_id, endpoint_id)
);
create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_to_enqueue on webhook_deliveries (created_at) where not enqueued;

create table webhook_delivery_attempts (
  id           bigint generated always as identity primary key,
  delivery_id  uuid not null references webhook_deliveries(id) on delete cascade,
  started_at   timestamptz not null,
  status_code  integer,                            -- null: no HTTP answer (timeout, refused, …)
  latency_ms   integer not null,
  error        text
);
create index webhook_delivery_attempts_by_delivery on webhook_delivery_attempts (delivery_id, id);
