import type { LoggedRequest } from '../../src/dev/simulator/request-log.ts';
import { extraOccurrences, maxInWindow, minGap, roundTo } from './analysis.ts';

/** Create-call requests as the simulator saw them (KPN path and Vonage-direct path). */
export function createCallRequests(log: readonly LoggedRequest[]): LoggedRequest[] {
  return log.filter(
    (entry) => entry.method === 'POST' && (entry.path === '/voice/calls' || entry.path === '/v1/calls'),
  );
}

export interface DialStats {
  /** Length of the measured window, seconds, starting at the first create-call request. */
  windowSeconds: number;
  /** Create-call requests in the window, whatever their answer. */
  requests: number;
  /** Of those, answered 201 (a call was created). */
  created: number;
  /** Created calls per second over the window. */
  achievedPerSecond: number;
  /** Most create-call requests the simulator received in any sliding 1000 ms window. */
  maxInAnySecond: number;
  /** Smallest gap between two create-call requests, ms. */
  minGapMs: number | undefined;
  status429: number;
  otherErrors: number;
  /** Numbers that got a second created call (every run uses a no-retry policy, so any is a bug). */
  duplicateDials: number;
  duplicateExamples: string[];
  /** The busiest 1 s window, for diagnosis: its requests as ms after the first dial, with status. */
  peakWindow: { fromMs: number; requests: Array<[atMs: number, status: number]> } | undefined;
}

/**
 * Judges the requests that arrived in [from, from + seconds): the rate is created calls over the
 * full window, the peak counts every request (a 429'd request still hit the gateway).
 */
export function analyzeDials(log: readonly LoggedRequest[], from: number, seconds: number): DialStats {
  const until = from + seconds * 1000;
  const inWindow = createCallRequests(log).filter((entry) => entry.at >= from && entry.at < until);
  const times = inWindow.map((entry) => entry.at);
  const peak = maxInWindow(times, 1000);
  const created = inWindow.filter((entry) => entry.status === 201);
  // Duplicates over the whole log, not only the window: a redial may come late.
  const everCreated = createCallRequests(log).filter((entry) => entry.status === 201);
  const duplicates = extraOccurrences(everCreated.map((entry) => entry.to ?? `attempt:${entry.attempt}`));
  return {
    windowSeconds: seconds,
    requests: inWindow.length,
    created: created.length,
    achievedPerSecond: roundTo(created.length / seconds, 3),
    maxInAnySecond: peak.max,
    minGapMs: minGap(times),
    status429: inWindow.filter((entry) => entry.status === 429).length,
    otherErrors: inWindow.filter((entry) => entry.status !== 201 && entry.status !== 429).length,
    duplicateDials: duplicates.extra,
    duplicateExamples: duplicates.examples,
    peakWindow:
      peak.at === undefined
        ? undefined
        : {
            fromMs: peak.at - from,
            requests: inWindow
              .filter((entry) => entry.at >= (peak.at as number) && entry.at < (peak.at as number) + 1000)
              .map((entry) => [entry.at - from, entry.status]),
          },
  };
}

/** Time of the first create-call request, or undefined while there is none. */
export function firstDialAt(log: readonly LoggedRequest[]): number | undefined {
  for (const entry of log) {
    if (entry.method === 'POST' && (entry.path === '/voice/calls' || entry.path === '/v1/calls')) return entry.at;
  }
  return undefined;
}
