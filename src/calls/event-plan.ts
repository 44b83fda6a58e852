import type { EndFields } from './attempt-outcome.ts';
import { type CallStatus, canTransition, isCallStatus, type Outcome } from './call-status.ts';

/** What the state machine reads from one gateway event (see webhooks/event-payload.ts). */
export interface AttemptEvent {
  status: string | null;
  eventAt: Date | null;
  detail: string | null;
  startTime: Date | null;
  endTime: Date | null;
  durationSeconds: number | null;
  /** Decimal strings as the gateway sent them, so no float rounding reaches numeric columns. */
  price: string | null;
  rate: string | null;
  network: string | null;
}

/** The attempt as the event finds it (locked for update). */
export interface AttemptState {
  status: string;
  outcome: string | null;
  detail: string | null;
  answeredAt: Date | null;
  /** The campaign dials with machine_detection=hangup: a `machine` event ends the call. */
  machineHangsUp: boolean;
}

/** Billing fields of a `completed` event, filled into an attempt that already ended. */
export type BillingFields = Pick<EndFields, 'durationSeconds' | 'price' | 'rate' | 'network' | 'endedAt'>;

export type EventPlan =
  | { kind: 'advance'; to: CallStatus; answeredAt: Date | null }
  | { kind: 'end'; fields: EndFields; answeredAt: Date | null }
  | { kind: 'bill'; fields: BillingFields }
  | { kind: 'correct'; outcome: Outcome; detail: string | null }
  | { kind: 'ignore'; reason: 'late' | 'duplicate' | 'informational' };

/** Gateway failure statuses: each is the attempt's outcome as it is, and ends the attempt. */
const FAILURES: ReadonlySet<string> = new Set(['busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered']);

/** Progress statuses and where they move the attempt (a `human` verdict means it was answered). */
const PROGRESS: Readonly<Record<string, CallStatus>> = {
  started: 'started',
  ringing: 'ringing',
  answered: 'answered',
  human: 'answered',
};

/**
 * `completed` arrived for an attempt never seen answered and with no failure yet: its failure
 * event is late or lost. The attempt ends `unanswered` with this detail, and a failure status
 * arriving afterwards corrects the outcome (busy, timeout, …).
 */
export const COMPLETED_WITHOUT_ANSWER = 'completed_without_answer';

/**
 * Decides what one event does to an attempt, whatever order events arrive in. An attempt that
 * ended `maybe_placed` (we could not tell whether the request reached the gateway) takes the
 * outcome of the first end event that names it. Pure: the
 * repository (apply-event.ts) executes the plan under the attempt's row lock.
 */
export function planEvent(attempt: AttemptState, event: AttemptEvent): EventPlan {
  const status = event.status ?? '';
  const ended = attempt.status === 'ended';
  if (status === 'completed') return planCompleted(attempt, event);
  if (FAILURES.has(status)) {
    if (!ended) return { kind: 'end', fields: failureFields(status as Outcome, event), answeredAt: null };
    if (attempt.detail === COMPLETED_WITHOUT_ANSWER || attempt.outcome === 'maybe_placed') {
      return { kind: 'correct', outcome: status as Outcome, detail: event.detail };
    }
    return { kind: 'ignore', reason: 'late' };
  }
  if (status === 'machine' && attempt.machineHangsUp) {
    if (ended) return { kind: 'ignore', reason: 'late' };
    return { kind: 'end', fields: failureFields('machine', event), answeredAt: answeredAtOf(event) };
  }
  const to = status === 'machine' ? 'answered' : PROGRESS[status];
  if (!to) return { kind: 'ignore', reason: 'informational' };
  const from = isCallStatus(attempt.status) ? attempt.status : 'queued';
  if (!canTransition(from, to)) return { kind: 'ignore', reason: 'late' };
  return { kind: 'advance', to, answeredAt: to === 'answered' ? answeredAtOf(event) : null };
}

function planCompleted(attempt: AttemptState, event: AttemptEvent): EventPlan {
  const billing = billingOf(event);
  if (attempt.status === 'ended' && attempt.outcome === 'maybe_placed') {
    // The call we could not confirm did exist: its end is the outcome (billing follows separately if resent).
    const outcome = (event.durationSeconds ?? 0) > 0 ? 'completed' : 'unanswered';
    return { kind: 'correct', outcome, detail: event.detail };
  }
  if (attempt.status === 'ended') {
    // After a failure, `completed` is the billing record; after `completed`, a redelivery.
    return attempt.outcome === 'completed'
      ? { kind: 'ignore', reason: 'duplicate' }
      : { kind: 'bill', fields: billing };
  }
  const answered = attempt.answeredAt !== null || attempt.status === 'answered' || (event.durationSeconds ?? 0) > 0;
  if (answered) {
    return {
      kind: 'end',
      fields: { outcome: 'completed', detail: event.detail, ...billing },
      answeredAt: attempt.answeredAt ?? answeredAtOf(event),
    };
  }
  return {
    kind: 'end',
    fields: { outcome: 'unanswered', detail: COMPLETED_WITHOUT_ANSWER, ...billing },
    answeredAt: null,
  };
}

function failureFields(outcome: Outcome, event: AttemptEvent): EndFields {
  return {
    outcome,
    detail: event.detail,
    endedAt: event.endTime ?? event.eventAt ?? new Date(),
    durationSeconds: event.durationSeconds,
    price: event.price,
    rate: event.rate,
    network: event.network,
  };
}

function billingOf(event: AttemptEvent): BillingFields {
  return {
    durationSeconds: event.durationSeconds,
    price: event.price,
    rate: event.rate,
    network: event.network,
    endedAt: event.endTime ?? event.eventAt ?? new Date(),
  };
}

function answeredAtOf(event: AttemptEvent): Date {
  return event.startTime ?? event.eventAt ?? new Date();
}
