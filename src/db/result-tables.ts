import type { ColumnType, Generated, Selectable } from 'kysely';

/** Tables of call results and outbound webhooks (migrations 0015–0017), part of `Database`. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, T | string, T | string>;

/** 0015: one input result (DTMF or speech) of an attempt, in the order the call asked. */
export interface CallInputsTable {
  id: Generated<string>;
  attempt_id: string;
  seq: number;
  dedupe_key: string;
  digits: string | null;
  timed_out: Generated<boolean>;
  speech_text: string | null;
  confidence: ColumnType<string | null, number | string | null, number | string | null>;
  label: string | null;
  opt_out: Generated<boolean>;
  payload: Json<unknown>;
  received_at: Generated<Date>;
}

/** 0016: one `record` event of an attempt. */
export interface CallRecordingsTable {
  id: Generated<string>;
  attempt_id: string;
  recording_uuid: string;
  recording_url: string;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  size_bytes: ColumnType<string | null, number | string | null, number | string | null>;
  duration_seconds: number | null;
  payload: Json<unknown>;
  received_at: Generated<Date>;
}

export type WebhookEndpointStatus = 'enabled' | 'disabled';

/** 0017: a customer's endpoint for outbound webhooks. */
export interface WebhookEndpointsTable {
  id: Generated<string>;
  api_key_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Timestamp | null;
  status: Generated<WebhookEndpointStatus>;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  failing_since: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: Timestamp | null;
}

/** 0017: the outbox: one outbound event. */
export interface WebhookEventsTable {
  id: Generated<string>;
  api_key_id: string;
  type: string;
  payload: Json<unknown>;
  created_at: Generated<Date>;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** 0017: one event for one endpoint. */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  event_id: string;
  endpoint_id: string;
  status: Generated<WebhookDeliveryStatus>;
  enqueued: Generated<boolean>;
  tries: Generated<number>;
  replays: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** 0017: one HTTP try of a delivery. */
export interface WebhookDeliveryAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  started_at: Timestamp;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export interface ResultTables {
  call_inputs: CallInputsTable;
  call_recordings: CallRecordingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}

export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
