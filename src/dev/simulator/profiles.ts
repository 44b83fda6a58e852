/**
 * Gateway profiles: where the gateway's counter sits on the path and how it counts.
 * A request reaches the simulator's socket, travels the one-way time to the counter (`oneWayMs`),
 * is counted there (`counter`), and is answered `answerMs` after that arrival. These are ours,
 * not KPN's numbers (see docs/gateway-facts.md §9); the bound is what any client
 * can reach at N = 3 without ever putting N + 1 requests into one second at the counter.
 */
export const GATEWAY_PROFILES = ['loopback', 'far', 'jittery', 'smoothing'] as const;
export type GatewayProfile = (typeof GATEWAY_PROFILES)[number];

/** A delay drawn uniformly from [min, max] ms for every request. */
export interface DelayRange {
  min: number;
  max: number;
}

/**
 * rolling: at most N accepted in any rolling 1000 ms (Vonage's CPS limit, Apigee Quota).
 * smoothing: Apigee SpikeArrest `Nps`: one request per 1000/N ms, a second inside that refused.
 */
export type CounterKind = 'rolling' | 'smoothing';

export interface ProfileSettings {
  oneWayMs: DelayRange;
  answerMs: DelayRange;
  counter: CounterKind;
}

export const PROFILE_SETTINGS: Readonly<Record<GatewayProfile, ProfileSettings>> = {
  loopback: { oneWayMs: { min: 0, max: 0 }, answerMs: { min: 0, max: 0 }, counter: 'rolling' },
  far: { oneWayMs: { min: 10, max: 30 }, answerMs: { min: 250, max: 350 }, counter: 'rolling' },
  jittery: { oneWayMs: { min: 100, max: 300 }, answerMs: { min: 50, max: 150 }, counter: 'rolling' },
  smoothing: { oneWayMs: { min: 20, max: 60 }, answerMs: { min: 50, max: 50 }, counter: 'smoothing' },
};

/**
 * The most accepted calls per second a client can guarantee without a refusal when the one-way
 * time varies by J = max − min: N / (1 s + J) against a rolling window, 1 / (1 s / N + J) against
 * a smoothing counter.
 */
export function profileBound(settings: Pick<ProfileSettings, 'oneWayMs' | 'counter'>, perSecond: number): number {
  const jitterS = (settings.oneWayMs.max - settings.oneWayMs.min) / 1000;
  return settings.counter === 'smoothing' ? 1 / (1 / perSecond + jitterS) : perSecond / (1 + jitterS);
}

/** `10-30` → { min: 10, max: 30 }; `20` → { min: 20, max: 20 }; undefined for anything else. */
export function parseDelayRange(text: string): DelayRange | undefined {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  return max >= min ? { min, max } : undefined;
}
