/**
 * The two limits the gateway enforces, kept apart as KPN's gateway does: Vonage's per-second
 * create-call rate (a rolling one-second window) and KPN's Apigee quota over a long window.
 */
export class RollingWindow {
  private readonly accepted: number[] = [];

  /** Records the request and returns true when it fits `perSecond` within the last 1000 ms. */
  tryAcquire(perSecond: number, now: number): boolean {
    while (this.accepted.length > 0 && (this.accepted[0] as number) <= now - 1000) this.accepted.shift();
    if (this.accepted.length >= perSecond) return false;
    this.accepted.push(now);
    return true;
  }

  reset(): void {
    this.accepted.length = 0;
  }
}

/**
 * Apigee SpikeArrest: `Nps` smooths to one request every 1000/N ms. A request less than that
 * after the last accepted one is refused, even if only two arrived in that second.
 */
export class SpikeArrest {
  private last = Number.NEGATIVE_INFINITY;

  tryAcquire(perSecond: number, now: number): boolean {
    if (now - this.last < 1000 / perSecond) return false;
    this.last = now;
    return true;
  }

  reset(): void {
    this.last = Number.NEGATIVE_INFINITY;
  }
}

export interface QuotaState {
  limit: number;
  used: number;
  windowMs: number;
  resetAt: number;
}

export class QuotaCounter {
  private used = 0;
  private windowStart: number;

  constructor(now: number) {
    this.windowStart = now;
  }

  /** Counts one request; false when the quota was already used up in this window. */
  tryConsume(limit: number, windowMs: number, now: number): boolean {
    this.roll(windowMs, now);
    if (this.used >= limit) return false;
    this.used += 1;
    return true;
  }

  state(limit: number, windowMs: number, now: number): QuotaState {
    this.roll(windowMs, now);
    return { limit, used: this.used, windowMs, resetAt: this.windowStart + windowMs };
  }

  reset(now: number): void {
    this.used = 0;
    this.windowStart = now;
  }

  private roll(windowMs: number, now: number): void {
    if (now >= this.windowStart + windowMs) this.reset(now);
  }
}

/** `quota-interval` + `quota-time-unit` as Apigee writes them (e.g. `30` + `day`). */
export function intervalHeaders(windowMs: number): { interval: string; timeUnit: string } {
  const units: Array<[string, number]> = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [unit, ms] of units) {
    if (windowMs % ms === 0) return { interval: String(windowMs / ms), timeUnit: unit };
  }
  return { interval: String(Math.ceil(windowMs / 1000)), timeUnit: 'second' };
}
