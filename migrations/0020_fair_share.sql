-- Fair share of the create-call rate (issue 12; src/dispatch/README.md "Fair share").
-- A key's weight scales its share against other keys with due work.
alter table api_keys add column if not exists weight integer not null default 1;
alter table api_keys drop constraint if exists api_keys_weight_range;
alter table api_keys add constraint api_keys_weight_range check (weight between 1 and 1000);
-- Within a key, campaigns of a higher priority go first; equal priorities share equally.
alter table campaigns add column if not exists priority integer not null default 0;
alter table campaigns drop constraint if exists campaigns_priority_range;
alter table campaigns add constraint campaigns_priority_range check (priority between -1000 and 1000);
-- Optional cap below the account's rate, in create-calls per second.
alter table campaigns add column if not exists max_calls_per_second double precision;
alter table campaigns drop constraint if exists campaigns_max_cps_positive;
alter table campaigns add constraint campaigns_max_cps_positive check (max_calls_per_second is null or max_calls_per_second > 0);
-- The feeder's round robin: least recently looked-at first, so none waits behind others.
alter table campaigns add column if not exists fed_at timestamptz;
-- Calling window closed (campaign's zone): the feeder skips the campaign until then.
alter table campaigns add column if not exists feed_after timestamptz;
create index if not exists campaigns_feed_order on campaigns (fed_at nulls first) where status = 'running';
-- GET /v1/campaigns/:id share: every campaign's calls in the last minutes.
create index if not exists campaign_minute_counters_by_minute on campaign_minute_counters (minute);
