/**
 * Seeded dice (mulberry32) so a simulator run with the same seed and the same requests makes
 * the same choices: a flaky-looking benchmark can be replayed.
 */
export interface Dice {
  /** A float in [0, 1). */
  next(): number;
  /** True with probability `share`. */
  chance(share: number): boolean;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  /** A key picked with probability proportional to its weight; undefined when all weights are 0. */
  weighted<K extends string>(weights: Partial<Record<K, number>>): K | undefined;
}

export function createDice(seed: number): Dice {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    chance: (share) => share > 0 && next() < share,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    weighted<K extends string>(weights: Partial<Record<K, number>>): K | undefined {
      const entries = Object.entries(weights).filter(([, weight]) => (weight as number) > 0) as Array<[K, number]>;
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      if (total <= 0) return undefined;
      let roll = next() * total;
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return entries.at(-1)?.[0];
    },
  };
}
