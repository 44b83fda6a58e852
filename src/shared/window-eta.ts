import { type CallWindow, windowState } from './call-window.ts';

// Open time is counted in steps this long: an estimate, not a schedule, so ±10 min is enough.
const STEP_MS = 10 * 60_000;
// Past this horizon the estimate is meaningless (a paused-looking rate, a window that never opens).
const HORIZON_MS = 400 * 86_400_000;

/**
 * When `workMs` of calling time will have passed, starting at `from`, counting only time inside
 * the calling window (in `zone`); undefined beyond 400 days.
 */
export function finishWithinWindow(
  from: Date,
  workMs: number,
  window: CallWindow | null | undefined,
  zone: string,
): Date | undefined {
  if (!window) return new Date(from.getTime() + workMs);
  let at = from.getTime();
  let left = workMs;
  while (left > 0) {
    if (at - from.getTime() > HORIZON_MS) return undefined;
    const state = windowState(new Date(at), window, zone);
    if (!state.open) {
      at = state.opensAt.getTime();
      continue;
    }
    const step = Math.min(STEP_MS, left);
    at += step;
    left -= step;
  }
  return new Date(at);
}
