import { z } from 'zod';
import { callWindowSchema, retrySchema } from '../calls/call-settings.ts';
import type { Campaign } from '../db/database.ts';
import { campaignPaceSchema } from '../reports/campaign-pace.ts';
import { campaignSummarySchema } from '../reports/report-schemas.ts';
import type { RecipientCounts } from './campaign-repository.ts';

/** The API's view of a campaign: camelCase, no owner id, timestamps as ISO strings. */
export const campaignViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  from: z.string(),
  ncco: z.array(z.unknown()).nullable(),
  answerUrl: z.string().nullable(),
  status: z.enum(['running', 'paused', 'cancelled', 'completed']),
  startAt: z.string(),
  timezone: z.string(),
  callWindow: callWindowSchema.nullable(),
  retry: retrySchema,
  machineDetection: z.enum(['continue', 'hangup']).optional(),
  ringingTimer: z.number().optional(),
  lengthTimer: z.number().optional(),
  /** Issue 13: answer labels of `input` actions (null: none) and the customer's metadata. */
  responses: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), z.unknown()),
  recipientCount: z.number().int(),
  /** Fair share within the key: higher first (default 0). */
  priority: z.number().int(),
  /** Per-campaign cap, create-calls per second; null: the account's rate. */
  maxCallsPerSecond: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type CampaignView = z.infer<typeof campaignViewSchema>;

const recipientCountsSchema = z.object({
  pending: z.number().int(),
  queued: z.number().int(),
  done: z.number().int(),
  cancelled: z.number().int(),
});

export function toCampaignView(row: Campaign): CampaignView {
  const options = row.call_options;
  return {
    id: row.id,
    name: row.name,
    from: row.from_number,
    ncco: row.ncco,
    answerUrl: row.answer_url,
    status: row.status,
    startAt: row.start_at.toISOString(),
    timezone: row.timezone,
    callWindow: row.call_window,
    retry: row.retry_policy,
    ...(options.machine_detection && { machineDetection: options.machine_detection }),
    ...(options.ringing_timer && { ringingTimer: options.ringing_timer }),
    ...(options.length_timer && { lengthTimer: options.length_timer }),
    responses: (row.responses as Record<string, unknown> | null) ?? null,
    metadata: row.metadata ?? {},
    recipientCount: row.recipient_count,
    priority: row.priority,
    maxCallsPerSecond: row.max_calls_per_second,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/** GET /v1/campaigns/:id: the campaign plus how many recipients are in each status. */
export function toCampaignDetail(row: Campaign, recipients: RecipientCounts) {
  return { ...toCampaignView(row), recipients };
}

export const campaignDetailSchema = campaignViewSchema.extend({
  recipients: recipientCountsSchema,
  /** From reports/ (summarizeCampaign): attempts, outcomes, progress, talk time, cost. */
  report: campaignSummarySchema,
  /** From reports/ (campaignPace): current share of the rate and estimated finish. */
  dispatch: campaignPaceSchema,
});

export const campaignPageSchema = z.object({
  items: z.array(campaignViewSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});

const rejectedRowSchema = z.object({
  index: z.number().int().meta({ description: '0-based position in the recipients array or the CSV data rows' }),
  line: z.number().int().optional().meta({ description: 'CSV only: line the row ends on, header included' }),
  number: z.string().meta({ description: 'the number as sent' }),
  code: z.enum([
    'invalid_number',
    'number_not_possible',
    'missing_number',
    'duplicate_number',
    'suppressed_number',
    'invalid_timezone',
    'premium_rate_number',
    'shared_cost_number',
    'number_type_not_allowed',
    'connect_not_allowed',
  ]),
});

const intakeCounts = {
  accepted: z.number().int(),
  rejectedCount: z.number().int(),
  rejected: z.array(rejectedRowSchema).meta({ description: 'all rejected rows; for CSV uploads the first 100' }),
};

export const createdCampaignSchema = z.object({
  id: z.uuid(),
  status: z.enum(['running', 'paused', 'cancelled', 'completed']),
  ...intakeCounts,
});
export const recipientUploadSchema = z.object({ id: z.uuid(), ...intakeCounts });
