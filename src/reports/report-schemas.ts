import { z } from 'zod';
import { OUTCOMES } from '../calls/call-status.ts';

const count = z.number().int();

/** `report` of GET /v1/campaigns/:id: what summarizeCampaign returns. */
export const campaignSummarySchema = z.object({
  attempts: z.object({
    total: count,
    byStatus: z.record(z.string(), count).meta({ description: 'attempts per status (queued … ended)' }),
    byOutcome: z.record(z.string(), count).meta({ description: 'ended attempts per outcome' }),
  }),
  recipients: z.object({
    total: count,
    byStatus: z.record(z.string(), count),
    finished: count.meta({ description: 'done or cancelled' }),
    remaining: count.meta({ description: 'pending or queued' }),
    progressPercent: z.number().meta({ description: 'finished / total × 100, one decimal' }),
  }),
  answerRate: z.number().nullable().meta({ description: 'answered ended attempts ÷ ended attempts (0–1)' }),
  talkSeconds: z.object({ total: count, averagePerAnsweredCall: z.number().nullable() }),
  totalCost: z.string().meta({ description: 'sum of gateway prices (EUR), decimal string' }),
  callsPerMinute: z
    .array(z.object({ minute: z.string(), calls: count }))
    .meta({ description: 'attempts dialed per minute, last 60 minutes, oldest first' }),
  answers: z
    .object({
      total: count.meta({ description: 'attempts with an answer label' }),
      byLabel: z
        .record(z.string(), count)
        .meta({ description: 'attempts per label of their latest answer (`responses`)' }),
    })
    .meta({ description: 'answers to `input` actions (issue 13)' }),
});

export const attemptItemSchema = z.object({
  id: z.uuid(),
  recipientId: z.string().nullable(),
  attemptNo: count,
  number: z.string(),
  status: z.string(),
  outcome: z.string().nullable(),
  detail: z.string().nullable(),
  callUuid: z.string().nullable(),
  createdAt: z.string(),
  dialStartedAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationSeconds: count.nullable(),
  price: z.string().nullable(),
  rate: z.string().nullable(),
  network: z.string().nullable(),
  /** Label and pressed digits of the attempt's latest answer (`responses`); null when none. */
  label: z.string().nullable(),
  digits: z.string().nullable(),
});

export const attemptPageSchema = z.object({
  items: z.array(attemptItemSchema),
  nextCursor: z.string().nullable().meta({ description: 'pass as `cursor` for the next page; null on the last' }),
});

export const callsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(200).optional(),
  outcome: z.enum(OUTCOMES).optional(),
  number: z.string().min(1).max(40).optional().meta({ description: 'any notation; normalized to E.164' }),
  label: z.string().min(1).max(64).optional().meta({ description: 'attempts whose latest answer has this label' }),
});
