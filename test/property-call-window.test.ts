import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { type CallWindow, resolveZone, windowState } from '../src/shared/call-window.ts';

/** Zones with DST both ways, odd offsets, and a date-line hop. */
const zones = fc.constantFrom(
  'UTC',
  'Europe/Amsterdam',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'America/Sao_Paulo',
  'Asia/Kathmandu',
);
const hhmm = fc.integer({ min: 0, max: 24 * 60 - 1 }).map((m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`);
const days = fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { maxLength: 7 });
const windows: fc.Arbitrary<CallWindow> = fc
  .record({ start: hhmm, end: hhmm, days })
  .filter((w) => w.start !== w.end || w.days.length > 0);
/** Instants from 2020 to 2035, with extra weight on the days around DST switches. */
const instants = fc.oneof(
  fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }),
  fc
    .tuple(
      fc.constantFrom('2026-03-29', '2026-10-25', '2026-03-08', '2026-11-01', '2026-04-05', '2026-10-04'),
      fc.integer({ min: -36 * 60, max: 36 * 60 }),
    )
    .map(([day, minutes]) => new Date(Date.parse(`${day}T00:00:00Z`) + minutes * 60_000)),
);

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** An independent oracle: is the local wall-clock minute inside the window? */
function oracleOpen(at: Date, w: CallWindow, zone: string): boolean {
  const local = DateTime.fromJSDate(at, { zone });
  const minute = local.hour * 60 + local.minute;
  const [sh, sm] = w.start.split(':').map(Number) as [number, number];
  const [eh, em] = w.end.split(':').map(Number) as [number, number];
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  const allowed = (weekday: number) => w.days.length === 0 || w.days.includes(weekday);
  if (start < end) return allowed(local.weekday) && minute >= start && minute < end;
  const previous = ((local.weekday + 5) % 7) + 1;
  return (allowed(local.weekday) && minute >= start) || (allowed(previous) && minute < end);
}

/** True when `at` lies where the zone's local clock skipped (a spring-forward gap) near the start. */
function startFallsInGap(at: Date, w: CallWindow, zone: string): boolean {
  const local = DateTime.fromJSDate(at, { zone });
  const [h, m] = w.start.split(':').map(Number) as [number, number];
  const wanted = DateTime.fromObject(
    { year: local.year, month: local.month, day: local.day, hour: h, minute: m },
    { zone },
  );
  return wanted.hour !== h || wanted.minute !== m;
}

describe('windowState (property)', () => {
  it('open exactly when the local wall clock is inside the window (oracle)', () => {
    fc.assert(
      fc.property(instants, windows, zones, (at, w, zone) => {
        expect(windowState(at, w, zone).open).toBe(oracleOpen(at, w, zone));
      }),
      { numRuns: 2000 },
    );
  });

  it('when closed, opensAt is in the future, at most 8 days away, and closed all the way until then', () => {
    fc.assert(
      fc.property(
        instants,
        windows,
        zones,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 20 }),
        (at, w, zone, fractions) => {
          const state = windowState(at, w, zone);
          if (state.open) return;
          const wait = state.opensAt.getTime() - at.getTime();
          expect(wait).toBeGreaterThan(0);
          expect(wait).toBeLessThanOrEqual(8 * 24 * 3600_000);
          for (const f of fractions) {
            // Minute granularity: the window is defined in whole local minutes.
            const probe = new Date(at.getTime() + Math.floor((f * wait) / 60_000) * 60_000);
            if (probe.getTime() >= state.opensAt.getTime()) continue;
            expect(
              oracleOpen(probe, w, zone),
              `open at ${probe.toISOString()} before ${state.opensAt.toISOString()}`,
            ).toBe(false);
          }
        },
      ),
      {
        numRuns: 1500,
        // Found by this property: a start in the spring-forward gap opened a whole gap late, and
        // a start in the repeated fall-back hour opened at its second reading, an hour late.
        examples: [
          [new Date('2026-03-08T00:00:00Z'), { start: '02:01', end: '00:00', days: [7] }, 'America/New_York', [0.9976]],
          [new Date('2026-11-01T00:00:00Z'), { start: '01:01', end: '01:02', days: [] }, 'America/New_York', [0.8338]],
        ],
      },
    );
  });

  it('opensAt is itself inside the window, unless the local start was skipped by a DST gap', () => {
    fc.assert(
      fc.property(instants, windows, zones, (at, w, zone) => {
        const state = windowState(at, w, zone);
        if (state.open) return;
        if (startFallsInGap(state.opensAt, w, zone)) return;
        expect(windowState(state.opensAt, w, zone).open, state.opensAt.toISOString()).toBe(true);
        const local = DateTime.fromJSDate(state.opensAt, { zone });
        expect(`${pad(local.hour)}:${pad(local.minute)}`).toBe(w.start);
      }),
      { numRuns: 1500 },
    );
  });

  it('waking at opensAt repeatedly reaches an open window within two wake-ups', () => {
    fc.assert(
      fc.property(instants, windows, zones, (at, w, zone) => {
        let now = at;
        for (let wake = 0; wake < 3; wake++) {
          const state = windowState(now, w, zone);
          if (state.open) return;
          now = state.opensAt;
        }
        throw new Error(`still closed after 3 wake-ups from ${at.toISOString()}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('no window means always open; resolveZone falls back to a valid zone, never throws', () => {
    fc.assert(
      fc.property(instants, fc.option(fc.string(), { nil: undefined }), fc.option(fc.string()), (at, a, b) => {
        expect(windowState(at, null, resolveZone(a, b))).toEqual({ open: true });
        expect(DateTime.now().setZone(resolveZone(a, b)).isValid).toBe(true);
      }),
    );
  });
});
