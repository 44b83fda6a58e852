import { describe, expect, it } from 'vitest';
import { planCall, statusAt } from './call-plan.ts';
import { createDice } from './random.ts';

const call = { uuid: 'u1', conversationUuid: 'CON-1', to: '31612345678', from: '31201234567', createdAt: 0 };
const options = { timeScale: 1, numericStyle: 'string' as const, duplicateShare: 0, outOfOrderShare: 0 };
const statuses = (events: Array<{ status: string }>) => events.map((event) => event.status);

describe('planCall', () => {
  it('an answered call goes started → ringing → answered → completed with duration and price', () => {
    const plan = planCall(call, 'answered', options, createDice(1));
    expect(statuses(plan.events)).toEqual(['started', 'ringing', 'answered', 'completed']);
    const completed = plan.events.at(-1)?.payload as Record<string, unknown>;
    expect(Number(completed.duration)).toBeGreaterThanOrEqual(5);
    expect(typeof completed.price).toBe('string');
    expect(plan.answerAtMs).toBe(plan.events[2]?.atMs);
  });

  it('failures end with completed, except rejected; failed and rejected carry a detail', () => {
    for (const outcome of ['busy', 'unanswered', 'timeout'] as const) {
      expect(statuses(planCall(call, outcome, options, createDice(2)).events)).toEqual([
        'started',
        'ringing',
        outcome,
        'completed',
      ]);
    }
    const failed = planCall(call, 'failed', options, createDice(3)).events;
    expect(statuses(failed)).toEqual(['started', 'failed', 'completed']);
    expect(failed[1]?.payload.detail).toBe('cannot_route');
    expect(statuses(planCall(call, 'rejected', options, createDice(4)).events)).toEqual(['started', 'rejected']);
  });

  it('a timeout waits ringing_timer seconds after ringing', () => {
    const events = planCall({ ...call, ringingTimer: 20 }, 'timeout', options, createDice(5)).events;
    expect((events[2]?.atMs ?? 0) - (events[1]?.atMs ?? 0)).toBe(20_000);
  });

  it('machine sends a machine event with call_uuid only when detection was asked for', () => {
    const detected = planCall({ ...call, machineDetection: 'continue' }, 'machine', options, createDice(6)).events;
    expect(statuses(detected)).toEqual(['started', 'ringing', 'answered', 'machine', 'completed']);
    expect(detected[3]?.payload).toMatchObject({ call_uuid: 'u1' });
    expect(detected[3]?.payload).not.toHaveProperty('uuid');
    expect(statuses(planCall(call, 'machine', options, createDice(6)).events)).not.toContain('machine');
  });

  it('time scale shrinks every delay', () => {
    const real = planCall(call, 'answered', options, createDice(7)).events.at(-1)?.atMs ?? 0;
    const fast = planCall(call, 'answered', { ...options, timeScale: 0.01 }, createDice(7)).events.at(-1)?.atMs ?? 0;
    expect(fast).toBeLessThan(real / 50);
  });

  it('duplicates and swaps deliveries without changing event times or the gateway-side status', () => {
    const disturbed = planCall(call, 'answered', { ...options, duplicateShare: 1, outOfOrderShare: 1 }, createDice(8));
    expect(disturbed.events.filter((event) => event.duplicate)).toHaveLength(4);
    const delivered = disturbed.events.filter((event) => !event.duplicate).map((event) => event.atMs);
    expect(delivered).not.toEqual([...delivered].sort((a, b) => a - b));
    expect(statusAt(disturbed, Number.MAX_SAFE_INTEGER)).toBe('completed');
    expect(statusAt(disturbed, 0)).toBe('started');
  });
});
