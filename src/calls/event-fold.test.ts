import { describe, expect, it } from 'vitest';
import { foldEvents } from './event-fold.ts';
import type { AttemptEvent, AttemptState } from './event-plan.ts';

const t = (second: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, second));
const dialing: AttemptState = {
  status: 'dialing',
  outcome: null,
  detail: null,
  answeredAt: null,
  machineHangsUp: false,
};
const ev = (status: string, second: number, extra: Partial<AttemptEvent> = {}): AttemptEvent => ({
  status,
  eventAt: t(second),
  detail: null,
  startTime: null,
  endTime: null,
  durationSeconds: null,
  price: null,
  rate: null,
  network: null,
  ...extra,
});

describe('foldEvents', () => {
  it('folds progress into one advance to the furthest status, keeping when it was answered', () => {
    const effect = foldEvents(dialing, [ev('ringing', 2), ev('started', 1), ev('answered', 3)]);
    expect(effect).toMatchObject({ advanceTo: 'answered', answeredAt: t(3), end: null });
    expect(effect.plans).toEqual(['advance', 'ignore', 'advance']);
  });

  it('an end absorbs earlier progress and later billing into one end', () => {
    const effect = foldEvents(dialing, [
      ev('answered', 3),
      ev('busy', 4),
      ev('completed', 5, { durationSeconds: 0, price: '0.00', endTime: t(6) }),
    ]);
    // answered then busy is odd but possible with reordering: the failure still ends it.
    expect(effect.advanceTo).toBeNull();
    expect(effect.end).toMatchObject({
      outcome: 'busy',
      durationSeconds: 0,
      price: '0.00',
      endedAt: t(6),
      answeredAt: t(3),
    });
    expect(effect.bill).toBeNull();
  });

  it('completed first and its failure after, in one batch: the attempt ends with the failure', () => {
    const effect = foldEvents(dialing, [ev('completed', 5, { durationSeconds: 0 }), ev('timeout', 4)]);
    expect(effect.end).toMatchObject({ outcome: 'timeout', durationSeconds: 0 });
    expect(effect.correct).toBeNull();
  });

  it('for an attempt already ended, billing and corrections are separate from an end', () => {
    const ended: AttemptState = {
      ...dialing,
      status: 'ended',
      outcome: 'unanswered',
      detail: 'completed_without_answer',
    };
    const effect = foldEvents(ended, [ev('busy', 2), ev('ringing', 1)]);
    expect(effect).toMatchObject({ end: null, advanceTo: null, correct: { outcome: 'busy' } });
    const billed = foldEvents({ ...ended, outcome: 'busy', detail: null }, [ev('completed', 3, { price: '0.01' })]);
    expect(billed.bill).toMatchObject({ price: '0.01' });
  });
});
