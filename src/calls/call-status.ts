import type { AttemptOutcome, AttemptStatus } from '../db/database.ts';

/**
 * An attempt's life, from our queue to the gateway's last word:
 *   queued → dialing → started → ringing → answered → ended
 * `ended` is terminal and carries an outcome. Events arrive out of order and twice, so a
 * transition is allowed only forward: a late `ringing` never moves an ended attempt back.
 */
export const CALL_STATUSES = [
  'queued',
  'dialing',
  'started',
  'ringing',
  'answered',
  'ended',
] as const satisfies readonly AttemptStatus[];
export type CallStatus = AttemptStatus;

/**
 * How an attempt ended. The gateway's failure statuses are outcomes as they are;
 * `error`: the gateway refused the request (permanent error); `skipped`: never dialed
 * (campaign or reminder cancelled); `suppressed`: never dialed, the number joined the owner's
 * do-not-call list; `maybe_placed`: the request may have reached the gateway (a timeout after
 * sending) and no evidence came back; never retried blind, later evidence corrects it.
 */
export const OUTCOMES = [
  'completed',
  'busy',
  'cancelled',
  'failed',
  'rejected',
  'timeout',
  'unanswered',
  'machine',
  'error',
  'skipped',
  'suppressed',
  'maybe_placed',
] as const satisfies readonly AttemptOutcome[];
export type Outcome = AttemptOutcome;

// Both lists name every value of their column's type (a missing one fails to compile here).
type Exhaustive<List extends readonly string[], All extends string> = [All] extends [List[number]] ? true : never;
const _allStatuses: Exhaustive<typeof CALL_STATUSES, AttemptStatus> = true;
const _allOutcomes: Exhaustive<typeof OUTCOMES, AttemptOutcome> = true;

const RANK: Record<CallStatus, number> = {
  queued: 0,
  dialing: 1,
  started: 2,
  ringing: 3,
  answered: 4,
  ended: 5,
};

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return RANK[to] > RANK[from];
}

export function isCallStatus(value: string): value is CallStatus {
  return value in RANK;
}
