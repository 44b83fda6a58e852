import { z } from 'zod';
import {
  callContentFields,
  callOptionFields,
  callResultFields,
  callWindowSchema,
  hasOneCallContent,
  ONE_CALL_CONTENT,
  retrySchema,
  timezoneSchema,
} from '../calls/call-settings.ts';

/**
 * The public request shapes of campaign intake. Objects are strict: an unknown field is a 400
 * (`validation_failed`), because a typo such as `retries` silently ignored would run a campaign
 * with a policy the user never asked for. These schemas also generate the OpenAPI document.
 */

/** Inline recipients per request; bigger lists go through the streamed CSV upload. */
const INLINE_RECIPIENTS_MAX = 10_000;
const INLINE_CAP_MESSAGE = `At most ${INLINE_RECIPIENTS_MAX} recipients inline; upload more as text/csv to POST /v1/campaigns/{id}/recipients`;

const recipientSchema = z.strictObject({
  /** Any common notation; normalized to E.164 with the service's default region. */
  number: z.string().min(1).max(64).meta({ example: '+31612345678' }),
  timezone: z.string().max(64).nullable().optional().meta({ description: 'IANA zone; overrides the campaign zone' }),
  /** Values for the NCCO's `{{placeholders}}`. */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type RecipientInput = z.output<typeof recipientSchema>;

export const inlineRecipientsSchema = z.array(recipientSchema).max(INLINE_RECIPIENTS_MAX, INLINE_CAP_MESSAGE);

export const createCampaignSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    /** The caller id, normalized to E.164 like recipients. */
    from: z.string().min(1).max(64).meta({ example: '+31201234567' }),
    ...callContentFields,
    ...callResultFields,
    recipients: inlineRecipientsSchema.default([]),
    startAt: z.iso.datetime({ offset: true }).optional(),
    timezone: timezoneSchema.default('UTC'),
    callWindow: callWindowSchema.optional(),
    retry: retrySchema.default({ maxAttempts: 3, retryOn: ['busy', 'unanswered', 'timeout'], delaySeconds: 900 }),
    ...callOptionFields,
    /** Within its API key, a campaign of higher priority is called first; equal priorities share equally. */
    priority: z.number().int().min(-1000).max(1000).optional(),
    /** A cap below the account's rate, create-calls per second. */
    maxCallsPerSecond: z.number().positive().max(10_000).optional(),
  })
  .refine(hasOneCallContent, ONE_CALL_CONTENT);
export type CreateCampaignInput = z.output<typeof createCampaignSchema>;

export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});
