import { describe, expect, it } from 'vitest';
import { type AttemptEvent, type AttemptState, COMPLETED_WITHOUT_ANSWER, planEvent } from './event-plan.ts';

const at = new Date('2026-01-01T10:00:00Z');
const open = (status: string, extra: Partial<AttemptState> = {}): AttemptState => ({
  status,
  outcome: null,
  detail: null,
  answeredAt: null,
  machineHangsUp: false,
  ...extra,
});
const ev = (status: string, extra: Partial<AttemptEvent> = {}): AttemptEvent => ({
  status,
  eventAt: at,
  detail: null,
  startTime: null,
  endTime: null,
  durationSeconds: null,
  price: null,
  rate: null,
  network: null,
  ...extra,
});

describe('planEvent', () => {
  it('advances forward and ignores a step back', () => {
    expect(planEvent(open('dialing'), ev('ringing'))).toEqual({ kind: 'advance', to: 'ringing', answeredAt: null });
    expect(planEvent(open('answered'), ev('ringing'))).toEqual({ kind: 'ignore', reason: 'late' });
  });

  it('a late ringing never touches an ended attempt', () => {
    expect(planEvent(open('ended', { outcome: 'completed' }), ev('ringing'))).toEqual({
      kind: 'ignore',
      reason: 'late',
    });
  });

  it('records when the callee answered, from start_time when given', () => {
    const start = new Date('2026-01-01T09:59:58Z');
    expect(planEvent(open('ringing'), ev('answered', { startTime: start }))).toEqual({
      kind: 'advance',
      to: 'answered',
      answeredAt: start,
    });
  });

  it('ends on a failure status with that outcome', () => {
    const plan = planEvent(open('ringing'), ev('busy'));
    expect(plan).toMatchObject({ kind: 'end', fields: { outcome: 'busy', endedAt: at } });
  });

  it('completed after a failure only bills; completed after completed is a duplicate', () => {
    const billed = planEvent(open('ended', { outcome: 'busy' }), ev('completed', { durationSeconds: 0, price: '0' }));
    expect(billed).toMatchObject({ kind: 'bill', fields: { durationSeconds: 0, price: '0' } });
    expect(planEvent(open('ended', { outcome: 'completed' }), ev('completed'))).toEqual({
      kind: 'ignore',
      reason: 'duplicate',
    });
  });

  it('completed on an answered attempt ends it completed', () => {
    expect(planEvent(open('answered'), ev('completed', { durationSeconds: 5 }))).toMatchObject({
      kind: 'end',
      fields: { outcome: 'completed', durationSeconds: 5 },
    });
  });

  it('completed with talk time but no answered event yet still counts as answered', () => {
    const plan = planEvent(open('ringing'), ev('completed', { durationSeconds: 12, startTime: at }));
    expect(plan).toMatchObject({ kind: 'end', fields: { outcome: 'completed' }, answeredAt: at });
  });

  it('completed before its failure ends provisionally, and the failure then corrects the outcome', () => {
    expect(planEvent(open('ringing'), ev('completed', { durationSeconds: 0 }))).toMatchObject({
      kind: 'end',
      fields: { outcome: 'unanswered', detail: COMPLETED_WITHOUT_ANSWER },
    });
    const ended = open('ended', { outcome: 'unanswered', detail: COMPLETED_WITHOUT_ANSWER });
    expect(planEvent(ended, ev('timeout'))).toEqual({ kind: 'correct', outcome: 'timeout', detail: null });
    expect(planEvent(open('ended', { outcome: 'unanswered' }), ev('busy'))).toEqual({ kind: 'ignore', reason: 'late' });
  });

  it('machine ends the call only when the campaign hangs up on machines', () => {
    expect(planEvent(open('answered', { machineHangsUp: true }), ev('machine'))).toMatchObject({
      kind: 'end',
      fields: { outcome: 'machine' },
    });
    expect(planEvent(open('answered'), ev('machine'))).toEqual({ kind: 'ignore', reason: 'late' });
    expect(planEvent(open('ringing'), ev('machine'))).toMatchObject({ kind: 'advance', to: 'answered' });
  });

  it('informational events (transcribed, disconnected, errors without status) change nothing', () => {
    expect(planEvent(open('answered'), ev('transcribed'))).toEqual({ kind: 'ignore', reason: 'informational' });
    expect(planEvent(open('answered'), { ...ev('x'), status: null })).toEqual({
      kind: 'ignore',
      reason: 'informational',
    });
  });
});

describe('an attempt that ended maybe_placed is corrected by later evidence', () => {
  const maybe = open('ended', { outcome: 'maybe_placed', detail: 'timeout; the call may have been placed' });

  it('a failure event gives it that outcome', () => {
    expect(planEvent(maybe, ev('busy'))).toEqual({ kind: 'correct', outcome: 'busy', detail: null });
  });

  it('completed with a duration makes it completed; without one, unanswered', () => {
    expect(planEvent(maybe, ev('completed', { durationSeconds: 12 }))).toMatchObject({
      kind: 'correct',
      outcome: 'completed',
    });
    expect(planEvent(maybe, ev('completed'))).toMatchObject({ kind: 'correct', outcome: 'unanswered' });
  });
});
