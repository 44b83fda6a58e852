import { DateTime, IANAZone } from 'luxon';

/**
 * A calling window in local time: `start`/`end` as "HH:MM", `days` as ISO weekdays (1 = Monday
 * … 7 = Sunday; empty means every day). `end` at or before `start` means the window runs past
 * midnight, and `days` then name the day it opens on. Local time is the recipient's zone, else
 * the campaign's; all arithmetic is luxon's, so DST switch days are handled by the tz database.
 */
export interface CallWindow {
  start: string;
  end: string;
  days: readonly number[];
}

export type WindowState = { open: true } | { open: false; opensAt: Date };

/** The first valid IANA zone of the candidates (recipient's, campaign's), else UTC. */
export function resolveZone(...candidates: ReadonlyArray<string | null | undefined>): string {
  return candidates.find((zone): zone is string => !!zone && IANAZone.isValidZone(zone)) ?? 'UTC';
}

export function windowState(now: Date, window: CallWindow | null | undefined, zone: string): WindowState {
  if (!window) return { open: true };
  const local = DateTime.fromJSDate(now, { zone });
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (isOpenAt(local, window, start, end)) return { open: true };
  return { open: false, opensAt: nextStart(local, window, start) };
}

function isOpenAt(local: DateTime, window: CallWindow, start: number, end: number): boolean {
  const minute = local.hour * 60 + local.minute;
  if (start < end) return onDay(window, local.weekday) && minute >= start && minute < end;
  // Overnight: open from `start` on an allowed day until `end` on the next day.
  const yesterday = local.minus({ days: 1 }).weekday;
  return (onDay(window, local.weekday) && minute >= start) || (onDay(window, yesterday) && minute < end);
}

/** The next local `start` on an allowed day, strictly after `local`. */
function nextStart(local: DateTime, window: CallWindow, start: number): Date {
  for (let offset = 0; offset <= 7; offset++) {
    const day = local.startOf('day').plus({ days: offset });
    if (!onDay(window, day.weekday)) continue;
    // fromObject, not plus({minutes}): the wall-clock start on that day, whatever the offsets.
    const opening = gapEnd(
      DateTime.fromObject(
        { year: day.year, month: day.month, day: day.day, hour: Math.floor(start / 60), minute: start % 60 },
        { zone: local.zone },
      ),
      start,
    );
    // On a fall-back day a start in the repeated hour occurs twice; the earlier one comes first.
    for (const candidate of [firstReading(opening), opening]) {
      if (candidate > local) return candidate.toJSDate();
    }
  }
  throw new RangeError(`calling window ${JSON.stringify(window)} never opens`);
}

/**
 * A start inside a spring-forward gap: luxon moves it forward by the whole gap (02:30 → 03:30),
 * but the window opens when the clock jumps past the start (03:00). Steps back to that minute.
 */
function gapEnd(opening: DateTime, start: number): DateTime {
  let earliest = opening;
  for (let i = 0; i < 120; i++) {
    const before = earliest.minus({ minutes: 1 });
    if (before.day !== opening.day || before.hour * 60 + before.minute < start) return earliest;
    earliest = before;
  }
  return earliest;
}

/** The earlier of two instants showing the same wall time (fall-back hour; luxon picks the later). */
function firstReading(opening: DateTime): DateTime {
  for (const minutes of [60, 30]) {
    const earlier = opening.minus({ minutes });
    if (earlier.day === opening.day && earlier.hour === opening.hour && earlier.minute === opening.minute)
      return earlier;
  }
  return opening;
}

function onDay(window: CallWindow, weekday: number): boolean {
  return window.days.length === 0 || window.days.includes(weekday);
}

function minutesOf(hhmm: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new RangeError(`not a HH:MM time: ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
