-- Recordings (issue 13): one row per `record` event of an attempt. The recording URL is the
-- gateway's and is only ever fetched by callcast with its own credential; it is never shown.
create table call_recordings (
  id              bigint generated always as identity primary key,
  attempt_id      uuid not null references call_attempts(id) on delete cascade,
  recording_uuid  text not null unique,            -- record events repeat: stored once
  recording_url   text not null,
  started_at      timestamptz,
  ended_at        timestamptz,
  size_bytes      bigint,
  duration_seconds integer,
  payload         jsonb not null,
  received_at     timestamptz not null default now()
);
create index call_recordings_by_attempt on call_recordings (attempt_id, id);
