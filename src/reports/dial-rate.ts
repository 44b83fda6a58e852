import type { DbOrTrx } from '../db/connect.ts';

/**
 * Calls per second of one campaign, for the live dashboard. Dials are counted by the trigger-kept
 * campaign_minute_counters (migration 0004), so each sample is a sum over a handful of rows; the
 * rate is the difference between two samples a few seconds apart.
 */

/** Attempts of the campaign dialed in or after the UTC minute of `since` (a monotonic count). */
export async function countDialedSince(db: DbOrTrx, campaignId: string, since: Date): Promise<number> {
  const minute = new Date(Math.floor(since.getTime() / 60_000) * 60_000);
  const row = await db
    .selectFrom('campaign_minute_counters')
    .select(({ fn }) => fn.sum<string>('calls').as('calls'))
    .where('campaign_id', '=', campaignId)
    .where('minute', '>=', minute)
    .executeTakeFirst();
  return Number(row?.calls ?? 0);
}

export interface DialSample {
  atMs: number;
  dialed: number;
}

/**
 * Keeps the last samples and answers the rate across them. One-second deltas at 3 calls/s read
 * 2, 4, 3…; a window of a few seconds shows the pace an operator compares with the cap.
 */
export class DialRate {
  private readonly samples: DialSample[] = [];
  private readonly windowMs: number;

  /** @param windowMs span the rate is averaged over; default 5 s. */
  constructor(windowMs = 5_000) {
    this.windowMs = windowMs;
  }

  /** Adds a sample and returns calls per second over the window (0 until two samples exist). */
  add(sample: DialSample): number {
    this.samples.push(sample);
    while (this.samples.length > 2 && sample.atMs - (this.samples[1]?.atMs ?? 0) >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    if (!first || sample.atMs <= first.atMs) return 0;
    const rate = ((sample.dialed - first.dialed) * 1000) / (sample.atMs - first.atMs);
    return Math.max(0, Math.round(rate * 100) / 100);
  }
}
