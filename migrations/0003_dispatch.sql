-- Dispatch: indexes for the feeder's per-second scans.
-- How many of a campaign's attempts wait in Redis (the feeder keeps this under FEEDER_WINDOW),
-- and which queued attempts have gone stale (a crash between commit and enqueue).
create index call_attempts_campaign_queued on call_attempts (campaign_id, updated_at) where status = 'queued';
-- Attempts left in `dialing` without a call uuid: reconciliation candidates.
create index call_attempts_dialing_unknown on call_attempts (dial_started_at) where status = 'dialing' and call_uuid is null;
-- Live calls of a campaign (hang-up on cancel).
create index call_attempts_campaign_live on call_attempts (campaign_id)
  where status in ('started', 'ringing', 'answered') and call_uuid is not null;
