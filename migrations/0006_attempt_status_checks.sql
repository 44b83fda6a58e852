-- call_attempts.status and .outcome, and recipients.final_outcome, were plain text while every
-- other status column is CHECKed. The allowed values are calls/call-status.ts's CALL_STATUSES
-- and OUTCOMES (test/migrations-checks.test.ts keeps them equal): a new outcome needs a migration
-- that drops and re-adds these constraints. NOT VALID then VALIDATE: the check of existing rows
-- takes only a share-update-exclusive lock, so dialing and webhooks go on meanwhile.
alter table call_attempts
  add constraint call_attempts_status_check
    check (status in ('queued', 'dialing', 'started', 'ringing', 'answered', 'ended')) not valid,
  add constraint call_attempts_outcome_check
    check (outcome in ('completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered',
                       'machine', 'error', 'skipped')) not valid,
  -- An ended attempt always says how it ended; an open one has no outcome yet.
  add constraint call_attempts_outcome_when_ended check ((status = 'ended') = (outcome is not null)) not valid;
alter table call_attempts validate constraint call_attempts_status_check;
alter table call_attempts validate constraint call_attempts_outcome_check;
alter table call_attempts validate constraint call_attempts_outcome_when_ended;

alter table recipients
  add constraint recipients_final_outcome_check
    check (final_outcome in ('completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered',
                             'machine', 'error', 'skipped', 'suppressed')) not valid;
alter table recipients validate constraint recipients_final_outcome_check;
