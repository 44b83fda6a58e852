-- Call answers (issue 13): what the callee pressed or said in an `input` action, and how each
-- campaign or reminder maps answers to labels.
--   responses: per campaign/reminder, { "<digits>" | "<name>" | "timeout" | "other": { label, ncco?, optOut?, keywords? } }.
--   metadata:  free-form JSON of the customer's own, copied into every outbound webhook payload.
--   call_inputs: one row per input result of an attempt, in arrival order (seq).
-- The attempt carries its latest answer (answer_label, answer_digits) so reports and the calls
-- filter read one column instead of joining every input row.

alter table campaigns add column responses jsonb;
alter table campaigns add column metadata jsonb not null default '{}';
alter table reminders add column responses jsonb;
alter table reminders add column metadata jsonb not null default '{}';

alter table call_attempts add column answer_label text;
alter table call_attempts add column answer_digits text;
-- Per-label counts and the `label` filter of GET /v1/campaigns/:id/calls.
create index call_attempts_by_campaign_label on call_attempts (campaign_id, answer_label)
  where answer_label is not null;

create table call_inputs (
  id             bigint generated always as identity primary key,
  attempt_id     uuid not null references call_attempts(id) on delete cascade,
  seq            integer not null,                -- 1, 2, … in the order the call asked
  dedupe_key     text not null,                   -- the gateway may deliver one result twice
  digits         text,
  timed_out      boolean not null default false,
  speech_text    text,
  confidence     numeric(6, 5),
  label          text,                            -- null when no answer matched and there is no `other`
  opt_out        boolean not null default false,
  payload        jsonb not null,
  received_at    timestamptz not null default now(),
  unique (attempt_id, dedupe_key),
  unique (attempt_id, seq)
);
