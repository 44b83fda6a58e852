import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, canTransition } from './call-status.ts';

describe('canTransition', () => {
  it('moves forward along queued → dialing → started → ringing → answered → ended', () => {
    for (let i = 0; i + 1 < CALL_STATUSES.length; i++) {
      expect(canTransition(CALL_STATUSES[i]!, CALL_STATUSES[i + 1]!)).toBe(true);
    }
  });

  it('may skip states (a busy callee never answers)', () => {
    expect(canTransition('ringing', 'ended')).toBe(true);
    expect(canTransition('dialing', 'ended')).toBe(true);
  });

  it('a late ringing event never overwrites an ended attempt', () => {
    expect(canTransition('ended', 'ringing')).toBe(false);
    expect(canTransition('ended', 'ended')).toBe(false);
    expect(canTransition('answered', 'started')).toBe(false);
  });
});
