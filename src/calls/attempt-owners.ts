import type { Trx } from '../db/connect.ts';
import type { Outcome } from './call-status.ts';

/** An attempt that has just ended (or whose outcome was corrected), as its owner sees it. */
export interface EndedAttempt {
  id: string;
  attemptNo: number;
  /** Set for a campaign recipient's attempt. */
  campaignId: string | null;
  recipientId: string | null;
  /** Set for a reminder run's attempt. */
  reminderId: string | null;
  reminderRun: number | null;
}

/**
 * What moves an attempt's owner (a campaign recipient, a reminder run) on once the attempt
 * ended. calls/ knows attempts only; the owners live above it, so the process that assembles
 * them (start/) passes this in. Both run inside the transaction that ended the attempt.
 */
export interface AttemptOwners {
  /** The attempt ended with `outcome`: retry later, finish, or schedule what comes next. */
  settle(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void>;
  /** A late event corrected the outcome of an attempt that had already been settled. */
  resettle(trx: Trx, attempt: EndedAttempt, outcome: Outcome): Promise<void>;
}

/** Owners that do nothing: for attempts whose owner is already settled by the caller. */
export const UNOWNED: AttemptOwners = {
  settle: async () => undefined,
  resettle: async () => undefined,
};
