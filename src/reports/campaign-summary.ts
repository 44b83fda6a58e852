import { sql } from 'kysely';
import type { z } from 'zod';
import type { DbOrTrx } from '../db/connect.ts';
import { campaignAnswerCounts } from './answer-counts.ts';
import type { campaignSummarySchema } from './report-schemas.ts';

export type CampaignSummary = z.infer<typeof campaignSummarySchema>;

export interface SummaryOptions {
  /** How many recent minutes callsPerMinute covers; default 60. */
  minutes?: number;
  now?: Date;
}

/**
 * A campaign's numbers. Counts, talk time and cost come from the trigger-kept counter tables
 * (migration 0004): at most 16 shards × statuses rows, however many attempts and events exist.
 * Calls per minute reads the recent rows of campaign_minute_counters (16 shards per minute).
 */
export async function summarizeCampaign(
  db: DbOrTrx,
  campaignId: string,
  options: SummaryOptions = {},
): Promise<CampaignSummary> {
  const [attemptRows, recipientRows, perMinute, answers] = await Promise.all([
    attemptCounters(db, campaignId),
    recipientCounters(db, campaignId),
    callsPerMinute(db, campaignId, options.minutes ?? 60, options.now ?? new Date()),
    campaignAnswerCounts(db, campaignId),
  ]);
  const attempts = { total: 0, byStatus: {} as Record<string, number>, byOutcome: {} as Record<string, number> };
  let endedTotal = 0;
  let endedAnswered = 0;
  let talk = 0;
  for (const row of attemptRows) {
    const count = Number(row.attempts);
    attempts.total += count;
    attempts.byStatus[row.status] = (attempts.byStatus[row.status] ?? 0) + count;
    if (row.outcome) attempts.byOutcome[row.outcome] = (attempts.byOutcome[row.outcome] ?? 0) + count;
    if (row.status === 'ended') {
      endedTotal += count;
      endedAnswered += Number(row.answered);
    }
    talk += Number(row.talk_seconds);
  }
  return {
    attempts: dropZeros(attempts),
    recipients: recipientSummary(recipientRows),
    answerRate: endedTotal > 0 ? round(endedAnswered / endedTotal, 4) : null,
    talkSeconds: { total: talk, averagePerAnsweredCall: endedAnswered > 0 ? round(talk / endedAnswered, 1) : null },
    // Summed by Postgres in numeric: no float drift in money.
    totalCost: attemptRows[0]?.total_cost ?? '0',
    callsPerMinute: perMinute,
    answers,
  };
}

function attemptCounters(db: DbOrTrx, campaignId: string) {
  return db
    .selectFrom('campaign_attempt_counters')
    .select(({ fn }) => [
      'status',
      'outcome',
      fn.sum<string>('attempts').as('attempts'),
      fn.sum<string>('answered').as('answered'),
      fn.sum<string>('talk_seconds').as('talk_seconds'),
      sql<string>`sum(sum(cost)) over ()`.as('total_cost'),
    ])
    .where('campaign_id', '=', campaignId)
    .groupBy(['status', 'outcome'])
    .execute();
}

function recipientCounters(db: DbOrTrx, campaignId: string) {
  return db
    .selectFrom('campaign_recipient_counters')
    .select(({ fn }) => ['status', fn.sum<string>('recipients').as('recipients')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
}

function recipientSummary(rows: { status: string; recipients: string }[]): CampaignSummary['recipients'] {
  const byStatus: Record<string, number> = {};
  for (const row of rows) if (Number(row.recipients) !== 0) byStatus[row.status] = Number(row.recipients);
  const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  const finished = (byStatus.done ?? 0) + (byStatus.cancelled ?? 0);
  const remaining = (byStatus.pending ?? 0) + (byStatus.queued ?? 0);
  return { total, byStatus, finished, remaining, progressPercent: total > 0 ? round((finished / total) * 100, 1) : 0 };
}

async function callsPerMinute(db: DbOrTrx, campaignId: string, minutes: number, now: Date) {
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - (minutes - 1) * 60_000);
  const rows = await db
    .selectFrom('campaign_minute_counters')
    .select(({ fn }) => ['minute', fn.sum<string>('calls').as('calls')])
    .where('campaign_id', '=', campaignId)
    .where('minute', '>=', start)
    .where('minute', '<=', end)
    .groupBy('minute')
    .execute();
  const byMinute = new Map(rows.map((row) => [new Date(row.minute).getTime(), Number(row.calls)]));
  return Array.from({ length: minutes }, (_unused, i) => {
    const minute = start.getTime() + i * 60_000;
    return { minute: new Date(minute).toISOString(), calls: byMinute.get(minute) ?? 0 };
  });
}

function dropZeros(attempts: CampaignSummary['attempts']): CampaignSummary['attempts'] {
  const keep = (record: Record<string, number>) =>
    Object.fromEntries(Object.entries(record).filter(([, n]) => n !== 0));
  return { total: attempts.total, byStatus: keep(attempts.byStatus), byOutcome: keep(attempts.byOutcome) };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
