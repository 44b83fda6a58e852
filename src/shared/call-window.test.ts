import { describe, expect, it } from 'vitest';
import { resolveZone, windowState } from './call-window.ts';

const weekdays = { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] };

describe('windowState', () => {
  it('is open inside the window in the given zone', () => {
    // 08:30 UTC on Wednesday 2026-11-18 is 09:30 in Amsterdam (CET, UTC+1).
    expect(windowState(new Date('2026-11-18T08:30:00Z'), weekdays, 'Europe/Amsterdam')).toEqual({ open: true });
  });

  it('before the start opens the same day at the local start', () => {
    const state = windowState(new Date('2026-11-18T07:00:00Z'), weekdays, 'Europe/Amsterdam');
    expect(state).toEqual({ open: false, opensAt: new Date('2026-11-18T08:00:00Z') });
  });

  it('after the end on Friday opens on Monday morning', () => {
    const state = windowState(new Date('2026-11-20T19:30:00Z'), weekdays, 'Europe/Amsterdam');
    expect(state).toEqual({ open: false, opensAt: new Date('2026-11-23T08:00:00Z') });
  });

  it('the end minute itself is closed', () => {
    expect(windowState(new Date('2026-11-18T19:00:00Z'), weekdays, 'Europe/Amsterdam').open).toBe(false);
  });

  it('uses the recipient zone: the same instant is open in New York and closed in Amsterdam', () => {
    const instant = new Date('2026-11-18T20:00:00Z'); // 15:00 New York, 21:00 Amsterdam
    expect(windowState(instant, weekdays, 'America/New_York').open).toBe(true);
    expect(windowState(instant, weekdays, 'Europe/Amsterdam').open).toBe(false);
  });

  it('on the spring-forward day the window opens at 09:00 summer time (07:00 UTC, not 08:00)', () => {
    // Sunday 2026-03-29: Amsterdam moves from UTC+1 to UTC+2 at 02:00 local.
    const everyDay = { start: '09:00', end: '20:00', days: [] };
    const state = windowState(new Date('2026-03-29T00:30:00Z'), everyDay, 'Europe/Amsterdam');
    expect(state).toEqual({ open: false, opensAt: new Date('2026-03-29T07:00:00Z') });
  });

  it('a start inside the spring-forward gap moves to the first minute that exists', () => {
    const gap = { start: '02:30', end: '05:00', days: [7] };
    const state = windowState(new Date('2026-03-28T12:00:00Z'), gap, 'Europe/Amsterdam');
    // 02:30 does not exist on 2026-03-29: the clock jumps from 02:00 CET to 03:00 CEST, and from
    // that minute on the local time is past the start, so the window opens at 01:00 UTC (luxon
    // alone would move the start by the whole gap, to 03:30 CEST).
    expect(state).toEqual({ open: false, opensAt: new Date('2026-03-29T01:00:00Z') });
    expect(windowState(new Date('2026-03-29T01:00:00Z'), gap, 'Europe/Amsterdam').open).toBe(true);
  });

  it('on the fall-back day the window closes at 20:00 winter time', () => {
    // Sunday 2026-10-25: Amsterdam returns to UTC+1; 20:00 local is 19:00 UTC.
    const everyDay = { start: '09:00', end: '20:00', days: [] };
    expect(windowState(new Date('2026-10-25T18:59:00Z'), everyDay, 'Europe/Amsterdam').open).toBe(true);
    expect(windowState(new Date('2026-10-25T19:00:00Z'), everyDay, 'Europe/Amsterdam').open).toBe(false);
  });

  it('an overnight window is open after midnight and opens again in the evening', () => {
    const night = { start: '22:00', end: '02:00', days: [1] };
    // Tuesday 00:30 UTC: still Monday's window.
    expect(windowState(new Date('2026-11-17T00:30:00Z'), night, 'UTC').open).toBe(true);
    expect(windowState(new Date('2026-11-17T03:00:00Z'), night, 'UTC')).toEqual({
      open: false,
      opensAt: new Date('2026-11-23T22:00:00Z'),
    });
  });

  it('no window means always open', () => {
    expect(windowState(new Date(), null, 'UTC')).toEqual({ open: true });
  });
});

describe('resolveZone', () => {
  it('prefers the recipient zone, skips invalid ones, falls back to UTC', () => {
    expect(resolveZone('America/Chicago', 'Europe/Amsterdam')).toBe('America/Chicago');
    expect(resolveZone(null, 'Europe/Amsterdam')).toBe('Europe/Amsterdam');
    expect(resolveZone('Mars/Olympus', undefined)).toBe('UTC');
  });
});
