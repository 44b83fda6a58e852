import type { CallWindowJson, RetryPolicyJson } from '../db/database.ts';

/** The call set-up both campaigns and reminders accept (validated by their zod schemas). */
export interface CallSetupInput {
  ncco?: unknown[];
  answerUrl?: string;
  callWindow?: CallWindowJson;
  retry: RetryPolicyJson;
  machineDetection?: 'continue' | 'hangup';
  ringingTimer?: number;
  lengthTimer?: number;
  /** Issue 13: answers of `input` actions, and the customer's metadata. */
  responses?: unknown;
  metadata?: Record<string, unknown>;
}

/** Its columns, shared by the `campaigns` and `reminders` tables. */
export function callSetupColumns(input: CallSetupInput) {
  return {
    // pg would send a JS array as a Postgres array, not JSON: serialize jsonb values ourselves.
    ncco: input.ncco ? JSON.stringify(input.ncco) : null,
    answer_url: input.answerUrl ?? null,
    call_window: input.callWindow ? JSON.stringify(input.callWindow) : null,
    retry_policy: JSON.stringify(input.retry),
    call_options: JSON.stringify({
      machine_detection: input.machineDetection,
      ringing_timer: input.ringingTimer,
      length_timer: input.lengthTimer,
    }),
    responses: input.responses === undefined ? null : JSON.stringify(input.responses),
    metadata: JSON.stringify(input.metadata ?? {}),
  };
}
