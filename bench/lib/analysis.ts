/**
 * Pure statistics over timestamps and samples. Everything here is deterministic so a result can
 * be recomputed from a saved request log.
 */

export interface WindowPeak {
  /** Most events in any half-open window [t, t + windowMs). */
  max: number;
  /** Start (epoch ms) of the first window holding `max` events; undefined for no events. */
  at: number | undefined;
}

/** Sliding-window maximum by two pointers over the sorted times: O(n log n) for the sort, O(n) after. */
export function maxInWindow(times: readonly number[], windowMs = 1000): WindowPeak {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let at: number | undefined;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const from = sorted[start] as number;
    while (end < sorted.length && (sorted[end] as number) < from + windowMs) end++;
    if (end - start > max) {
      max = end - start;
      at = from;
    }
  }
  return { max, at };
}

/** Smallest gap between consecutive events, in ms; undefined with fewer than two. */
export function minGap(times: readonly number[]): number | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  let gap: number | undefined;
  for (let i = 1; i < sorted.length; i++) {
    const delta = (sorted[i] as number) - (sorted[i - 1] as number);
    if (gap === undefined || delta < gap) gap = delta;
  }
  return gap;
}

/** Events per second between the first event and `until` (or the last event). */
export function achievedRate(times: readonly number[], until?: number): number {
  if (times.length < 2) return 0;
  const first = smallest(times) as number;
  const last = until ?? (largest(times) as number);
  const seconds = (last - first) / 1000;
  // n events span n - 1 intervals when measured from the first to the last event.
  const intervals = until === undefined ? times.length - 1 : times.length;
  return seconds > 0 ? intervals / seconds : 0;
}

/** How many values occur more than once, counting each extra occurrence. */
export function extraOccurrences(values: readonly string[]): { extra: number; examples: string[] } {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let extra = 0;
  const examples: string[] = [];
  for (const [value, count] of counts) {
    if (count < 2) continue;
    extra += count - 1;
    if (examples.length < 5) examples.push(value);
  }
  return { extra, examples };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined for none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export interface Summary {
  count: number;
  min: number | undefined;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
  mean: number | undefined;
}

export function summarize(samples: readonly number[], digits = 2): Summary {
  const round = (value: number | undefined) => (value === undefined ? undefined : roundTo(value, digits));
  const mean = samples.length ? samples.reduce((sum, value) => sum + value, 0) / samples.length : undefined;
  return {
    count: samples.length,
    min: round(smallest(samples)),
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(largest(samples)),
    mean: round(mean),
  };
}

export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

// Loops, not Math.min(...values): spreading hundreds of thousands of samples overflows the stack.
export function smallest(values: readonly number[]): number | undefined {
  let min: number | undefined;
  for (const value of values) if (min === undefined || value < min) min = value;
  return min;
}

export function largest(values: readonly number[]): number | undefined {
  let max: number | undefined;
  for (const value of values) if (max === undefined || value > max) max = value;
  return max;
}
