import type { AttemptOwners } from '../calls/attempt-owners.ts';
import { resettleRecipient, settleRecipient } from '../campaigns/recipient-settle.ts';
import { emitAttemptEnded } from '../outbound/result-events.ts';
import { settleReminderAttempt } from '../reminders/reminder-schedule.ts';

/**
 * The owners of call attempts, handed to everything that ends one (the dial path, the webhook
 * applier, the silent-call check): a campaign recipient or a reminder run. Each settler ignores
 * attempts that are not its own.
 */
export const attemptOwners: AttemptOwners = {
  async settle(trx, attempt, outcome) {
    await settleRecipient(trx, attempt, outcome);
    await settleReminderAttempt(trx, attempt, outcome);
    // Last, so the event says whether this was the last attempt (outbox: same transaction).
    await emitAttemptEnded(trx, attempt, outcome);
  },
  async resettle(trx, attempt, outcome) {
    // A reminder's next run and retry are scheduled once, at the first end; only recipients re-settle.
    await resettleRecipient(trx, attempt, outcome);
  },
};
