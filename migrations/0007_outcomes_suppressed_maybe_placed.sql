-- Two outcomes of their own (calls/call-status.ts's OUTCOMES):
--   suppressed   – the number joined the owner's do-not-call list before the request left; the
--                  attempt was never sent and nothing retries it;
--   maybe_placed – the request may have reached the gateway (a timeout after sending) and no
--                  evidence of the call came back; never retried blind, corrected by later evidence.
-- NOT VALID then VALIDATE, as in 0006: dialing and webhooks go on while existing rows are checked.
alter table call_attempts drop constraint call_attempts_outcome_check;
alter table call_attempts
  add constraint call_attempts_outcome_check
    check (outcome in ('completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered',
                       'machine', 'error', 'skipped', 'suppressed', 'maybe_placed')) not valid;
alter table call_attempts validate constraint call_attempts_outcome_check;

alter table recipients drop constraint recipients_final_outcome_check;
alter table recipients
  add constraint recipients_final_outcome_check
    check (final_outcome in ('completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered',
                             'machine', 'error', 'skipped', 'suppressed', 'maybe_placed')) not valid;
alter table recipients validate constraint recipients_final_outcome_check;
