import { sql } from 'kysely';
import { z } from 'zod';
import type { DbOrTrx } from '../db/connect.ts';
import type { Campaign } from '../db/database.ts';
import { resolveZone } from '../shared/call-window.ts';
import { finishWithinWindow } from '../shared/window-eta.ts';

export const campaignPaceSchema = z.object({
  /** This campaign's part of every create-call placed in the last one to two minutes (0–1); null when none were. */
  share: z.number().nullable(),
  /** Its create-calls per second over the same stretch. */
  callsPerSecond: z.number(),
  /** When the recipients still to call should be done at that rate, counting only calling-window time; null when unknown. */
  estimatedFinishAt: z.string().nullable(),
});
export type CampaignPace = z.infer<typeof campaignPaceSchema>;

/**
 * The campaign's current share of the rate, read from the per-minute dial counters (this minute
 * and the one before), and an estimated finish time. Before it has placed a call, the rate
 * assumed is its key's equal share: `callsPerSecond` ÷ keys with running campaigns.
 */
export async function campaignPace(
  db: DbOrTrx,
  campaign: Campaign,
  remaining: number,
  callsPerSecond: number,
  now = new Date(),
): Promise<CampaignPace> {
  const rows = await sql<{ mine: string; all: string; since: Date; keys: string }>`
    select coalesce(sum(calls) filter (where campaign_id = ${campaign.id}), 0) as mine,
           coalesce(sum(calls), 0) as all,
           date_trunc('minute', ${now}::timestamptz) - interval '1 minute' as since,
           (select count(distinct api_key_id) from campaigns where status = 'running') as keys
    from campaign_minute_counters
    where minute >= date_trunc('minute', ${now}::timestamptz) - interval '1 minute'`.execute(db);
  const row = rows.rows[0];
  const mine = Number(row?.mine ?? 0);
  const all = Number(row?.all ?? 0);
  const since = Math.max(row?.since.getTime() ?? now.getTime(), campaign.start_at.getTime());
  const seconds = Math.max(1, (now.getTime() - since) / 1000);
  const observed = mine / seconds;
  const assumed = callsPerSecond / Math.max(1, Number(row?.keys ?? 1));
  const rate = observed > 0 ? observed : assumed;
  const capped = campaign.max_calls_per_second ? Math.min(rate, campaign.max_calls_per_second) : rate;
  const finish =
    remaining === 0
      ? (campaign.completed_at ?? now)
      : campaign.status === 'running'
        ? finishWithinWindow(
            new Date(Math.max(now.getTime(), campaign.start_at.getTime())),
            (remaining / capped) * 1000,
            campaign.call_window,
            resolveZone(campaign.timezone),
          )
        : undefined;
  return {
    share: all > 0 ? mine / all : null,
    callsPerSecond: Math.round(observed * 1000) / 1000,
    estimatedFinishAt: finish?.toISOString() ?? null,
  };
}
