import type { EndFields } from './attempt-outcome.ts';
import type { CallStatus, Outcome } from './call-status.ts';
import { type AttemptEvent, type AttemptState, type BillingFields, type EventPlan, planEvent } from './event-plan.ts';

/**
 * What a run of events does to one attempt, as at most one write of each kind: the repository
 * turns it into one statement per kind, so an attempt's counters move in one statement however
 * many of its events arrive together.
 */
export interface AttemptEffect {
  /** The progress status reached, when the attempt moved forward and did not end. */
  advanceTo: CallStatus | null;
  /** When the callee answered, if newly learned (kept only with advanceTo). */
  answeredAt: Date | null;
  /** End the attempt now (an end followed by billing or a correction is merged in here). */
  end: EndFields | null;
  /** Billing for an attempt that had ended before these events. */
  bill: BillingFields | null;
  /** Corrected outcome for an attempt that had ended provisionally before these events. */
  correct: { outcome: Outcome; detail: string | null } | null;
  /** What each event did, in order. */
  plans: EventPlan['kind'][];
}

/** Plans each event against the state the previous ones left, and merges the writes. Pure. */
export function foldEvents(initial: AttemptState, events: readonly AttemptEvent[]): AttemptEffect {
  const state = { ...initial };
  const effect: AttemptEffect = { advanceTo: null, answeredAt: null, end: null, bill: null, correct: null, plans: [] };
  for (const event of events) {
    const plan = planEvent(state, event);
    effect.plans.push(plan.kind);
    switch (plan.kind) {
      case 'advance':
        state.status = plan.to;
        effect.advanceTo = plan.to;
        if (plan.answeredAt && !state.answeredAt) {
          state.answeredAt = plan.answeredAt;
          effect.answeredAt = plan.answeredAt;
        }
        break;
      case 'end':
        state.answeredAt = state.answeredAt ?? plan.answeredAt;
        state.status = 'ended';
        state.outcome = plan.fields.outcome;
        state.detail = plan.fields.detail ?? null;
        effect.end = { ...plan.fields, answeredAt: state.answeredAt };
        effect.advanceTo = null;
        break;
      case 'bill':
        if (effect.end) effect.end = { ...effect.end, ...mergeBilling(effect.end, plan.fields) };
        else effect.bill = mergeBilling(effect.bill ?? {}, plan.fields);
        break;
      case 'correct':
        state.outcome = plan.outcome;
        state.detail = plan.detail;
        if (effect.end) effect.end = { ...effect.end, outcome: plan.outcome, detail: plan.detail };
        else effect.correct = { outcome: plan.outcome, detail: plan.detail };
        break;
      case 'ignore':
        break;
    }
  }
  if (effect.advanceTo === null) effect.answeredAt = null;
  return effect;
}

/** A later billing record's known values win; unknown ones keep what was there. */
function mergeBilling(base: BillingFields, next: BillingFields): BillingFields {
  return {
    durationSeconds: next.durationSeconds ?? base.durationSeconds ?? null,
    price: next.price ?? base.price ?? null,
    rate: next.rate ?? base.rate ?? null,
    network: next.network ?? base.network ?? null,
    ...((next.endedAt ?? base.endedAt) ? { endedAt: (next.endedAt ?? base.endedAt) as Date } : {}),
  };
}
