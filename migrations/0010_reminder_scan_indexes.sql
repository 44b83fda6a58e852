-- The reminder scheduler's once-a-second passes must cost the live work, not the history.
--   next-run scan (reminder-schedule.ts latestRunsDialedQuery): active recurring reminders only.
--     Without this it read every reminder ever made (completed and cancelled ones never leave).
--   outbox flush (reminder-jobs.ts flushReminderOutbox): the oldest rows first; the outbox is
--     small normally but grows while Redis is unreachable, and then the flush sorted all of it.
create index if not exists reminders_active_recurring on reminders (id)
  where status = 'active' and cron is not null;
create index if not exists reminder_outbox_by_age on reminder_outbox (created_at);
