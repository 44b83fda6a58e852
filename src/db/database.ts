// Size: the one typed kysely `Database`, a table per interface; it reads best as one list of tables.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ResultTables } from './result-tables.ts';

/** jsonb columns: written as objects, read as parsed JSON. */
type Json<T> = ColumnType<T, T | string, T | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** numeric columns come back from pg as strings to keep precision. */
type Numeric = ColumnType<string, number | string, number | string>;

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  key_hash: string;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
  /** 0020: share of the create-call rate against other keys with due work (default 1). */
  weight: Generated<number>;
}

export type CampaignStatus = 'running' | 'paused' | 'cancelled' | 'completed';

/** call_attempts.status (CHECKed, 0006); the transition rules live in calls/call-status.ts. */
export type AttemptStatus = 'queued' | 'dialing' | 'started' | 'ringing' | 'answered' | 'ended';
/** call_attempts.outcome (CHECKed, 0006); meanings in calls/call-status.ts. */
export type AttemptOutcome =
  | 'completed'
  | 'busy'
  | 'cancelled'
  | 'failed'
  | 'rejected'
  | 'timeout'
  | 'unanswered'
  | 'machine'
  | 'error'
  | 'skipped'
  | 'suppressed'
  | 'maybe_placed';
/** recipients.final_outcome: its last attempt's outcome, or `suppressed` (never dialed: opted out). */
export type RecipientOutcome = AttemptOutcome | 'suppressed';

export interface CampaignsTable {
  id: Generated<string>;
  api_key_id: string;
  /** 0020: within its key, a higher priority goes first (default 0). */
  priority: Generated<number>;
  /** 0020: optional cap below the account's rate, create-calls per second. */
  max_calls_per_second: ColumnType<number | null, number | null | undefined, number | null>;
  /** 0020: when the feeder last looked at it (its round robin). */
  fed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** 0020: calling window closed in the campaign's zone: not fed before this. */
  feed_after: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  name: string;
  from_number: string;
  ncco: Json<unknown[]> | null;
  answer_url: string | null;
  status: Generated<CampaignStatus>;
  start_at: ColumnType<Date, Date | string | undefined, Date | string>;
  timezone: Generated<string>;
  call_window: Json<CallWindowJson> | null;
  retry_policy: Json<RetryPolicyJson>;
  call_options: ColumnType<CallOptionsJson, CallOptionsJson | string | undefined, CallOptionsJson | string>;
  recipient_count: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_at: Timestamp | null;
  /** 0015: answer labels and reply NCCOs per DTMF/speech answer (call-responses.ts). */
  responses: Json<unknown> | null;
  /** 0015: the customer's own JSON, copied into outbound webhook payloads. */
  metadata: ColumnType<
    Record<string, unknown>,
    Record<string, unknown> | string | undefined,
    Record<string, unknown> | string
  >;
}

export interface CallWindowJson {
  start: string;
  end: string;
  days: number[];
}

export interface RetryPolicyJson {
  maxAttempts: number;
  retryOn: string[];
  delaySeconds: number;
}

export interface CallOptionsJson {
  machine_detection?: 'continue' | 'hangup';
  ringing_timer?: number;
  length_timer?: number;
}

export type RecipientStatus = 'pending' | 'queued' | 'done' | 'cancelled';

export interface RecipientsTable {
  id: Generated<string>;
  campaign_id: string;
  number: string;
  timezone: string | null;
  data: ColumnType<
    Record<string, unknown>,
    Record<string, unknown> | string | undefined,
    Record<string, unknown> | string
  >;
  status: Generated<RecipientStatus>;
  attempt_count: Generated<number>;
  next_attempt_at: Timestamp | null;
  final_outcome: RecipientOutcome | null;
}

export interface CallAttemptsTable {
  id: Generated<string>;
  campaign_id: string | null;
  recipient_id: string | null;
  attempt_no: number;
  to_number: string;
  status: Generated<AttemptStatus>;
  outcome: AttemptOutcome | null;
  detail: string | null;
  call_uuid: string | null;
  conversation_uuid: string | null;
  due_at: Generated<Date>;
  dial_started_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp | null;
  duration_seconds: number | null;
  price: Numeric | null;
  rate: Numeric | null;
  network: string | null;
  gateway_error: Json<unknown> | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Set for a reminder's attempt (0005); campaign_id and recipient_id are then null. */
  reminder_id: string | null;
  /** The reminder's run (occurrence) number this attempt belongs to. */
  reminder_run: number | null;
  /** 0015: label and digits of the attempt's latest input result. */
  answer_label: ColumnType<string | null, string | null | undefined, string | null>;
  answer_digits: ColumnType<string | null, string | null | undefined, string | null>;
}

export type ReminderStatus = 'active' | 'cancelled' | 'completed';

/** 0005: one-off (`run_at`) or recurring (`cron` in `timezone`) reminder calls. */
export interface RemindersTable {
  id: Generated<string>;
  api_key_id: string;
  to_number: string;
  from_number: string;
  ncco: Json<unknown[]> | null;
  answer_url: string | null;
  run_at: Timestamp | null;
  cron: string | null;
  timezone: Generated<string>;
  until_at: Timestamp | null;
  max_runs: number | null;
  call_window: Json<CallWindowJson> | null;
  retry_policy: Json<RetryPolicyJson>;
  call_options: ColumnType<CallOptionsJson, CallOptionsJson | string | undefined, CallOptionsJson | string>;
  status: Generated<ReminderStatus>;
  run_count: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  cancelled_at: Timestamp | null;
  completed_at: Timestamp | null;
  /** 0015: as on campaigns. */
  responses: Json<unknown> | null;
  metadata: ColumnType<
    Record<string, unknown>,
    Record<string, unknown> | string | undefined,
    Record<string, unknown> | string
  >;
}

/** 0005: reminder attempts whose BullMQ job is not yet known to be in Redis. */
export interface ReminderOutboxTable {
  attempt_id: string;
  created_at: Generated<Date>;
}

export interface CallEventsTable {
  id: Generated<string>;
  attempt_id: string | null;
  call_uuid: string | null;
  status: string | null;
  event_at: Timestamp | null;
  dedupe_key: string;
  payload: Json<unknown>;
  received_at: Generated<Date>;
}

export interface SuppressionsTable {
  api_key_id: string;
  number: string;
  created_at: Generated<Date>;
}

export interface IdempotencyKeysTable {
  api_key_id: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  response_body: Json<unknown> | null;
  created_at: Generated<Date>;
}

/** Trigger-maintained (0004): one row per campaign, shard, attempt status and outcome ('' = none). */
export interface CampaignAttemptCountersTable {
  campaign_id: string;
  shard: number;
  status: string;
  outcome: string;
  attempts: ColumnType<string, never, never>;
  answered: ColumnType<string, never, never>;
  talk_seconds: ColumnType<string, never, never>;
  cost: ColumnType<string, never, never>;
}

/** Trigger-maintained (0004): one row per campaign, shard and recipient status. */
export interface CampaignRecipientCountersTable {
  campaign_id: string;
  shard: number;
  status: string;
  recipients: ColumnType<string, never, never>;
}

/** Trigger-maintained (0004): attempts dialed per campaign, UTC minute and shard. */
export interface CampaignMinuteCountersTable {
  campaign_id: string;
  minute: Date;
  shard: number;
  calls: ColumnType<string, never, never>;
}

/** Events stored but not yet applied to their attempt (0004); the event applier drains it. */
export interface CallEventQueueTable {
  event_id: string;
  attempt_id: string;
}

export interface SchemaMigrationsTable {
  version: string;
  applied_at: Generated<Date>;
}

/** The whole database as kysely sees it. Later migrations add their tables here. */
export interface Database extends ResultTables {
  api_keys: ApiKeysTable;
  campaigns: CampaignsTable;
  recipients: RecipientsTable;
  call_attempts: CallAttemptsTable;
  reminders: RemindersTable;
  reminder_outbox: ReminderOutboxTable;
  call_events: CallEventsTable;
  call_event_queue: CallEventQueueTable;
  campaign_attempt_counters: CampaignAttemptCountersTable;
  campaign_recipient_counters: CampaignRecipientCountersTable;
  campaign_minute_counters: CampaignMinuteCountersTable;
  suppressions: SuppressionsTable;
  idempotency_keys: IdempotencyKeysTable;
  schema_migrations: SchemaMigrationsTable;
}

export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;
export type CampaignUpdate = Updateable<CampaignsTable>;
export type Recipient = Selectable<RecipientsTable>;
export type CallAttempt = Selectable<CallAttemptsTable>;
export type CallEvent = Selectable<CallEventsTable>;
export type Reminder = Selectable<RemindersTable>;
export type NewReminder = Insertable<RemindersTable>;
