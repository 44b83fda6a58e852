/**
 * The contract between producers (feeder, reminder scheduler) and workers.
 * Payloads carry ids and a version, never rows: a worker reads the truth from Postgres.
 */
export const CALL_QUEUE = 'calls';

export interface CallJobData {
  attemptId: string;
  v: 1;
}

/**
 * BullMQ: lower numbers run first and jobs without priority run before all prioritized ones.
 * Reminders are due at a moment; campaign jobs can wait a second.
 */
export const REMINDER_PRIORITY = 1;
export const CAMPAIGN_PRIORITY = 100;

/** jobId = attemptId, so a second add of the same attempt is ignored by BullMQ. */
export function callJobId(attemptId: string): string {
  return attemptId;
}
