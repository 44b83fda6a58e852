-- Caller ids pinned per API key: once a key has numbers here, its campaigns and reminders may
-- only use one of them as `from` (a key without any keeps using any valid number). Managed with
-- `callcast keys numbers <key-name> add|remove|list <number…>`.
create table if not exists api_key_numbers (
  api_key_id  uuid not null references api_keys(id) on delete cascade,
  number      text not null,                       -- E.164
  created_at  timestamptz not null default now(),
  primary key (api_key_id, number)
);
