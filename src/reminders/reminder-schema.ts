import { z } from 'zod';
import { callWindowSchema, retrySchema, timezoneSchema } from '../campaigns/campaign-schema.ts';
import { nccoSchema } from '../gateway/ncco.ts';

/**
 * Public request shapes of reminders. Field meanings match campaigns (`from`, `ncco` |
 * `answerUrl`, `callWindow`, `retry`, call options). Objects are strict: an unknown field is a 400.
 * Zone and cron validity are checked by the service, which answers with their own codes.
 */

export const recurrenceSchema = z
  .strictObject({
    /** 5 fields, minute hour day-of-month month day-of-week, read in `timezone`. */
    cron: z.string().trim().min(1).max(120).meta({ example: '0 9 * * 1-5' }),
    timezone: z.string().min(1).max(64).meta({ example: 'Europe/Amsterdam' }),
    /** No run after this instant (ISO 8601 with offset). */
    until: z.iso.datetime({ offset: true }).optional(),
    /** At most this many runs in total (retries do not count). */
    count: z.number().int().min(1).max(100_000).optional(),
  })
  .refine((value) => value.until === undefined || value.count === undefined, {
    message: 'give until or count, not both',
    path: ['count'],
  });

/** Reminders retry only when asked: one attempt per run by default. */
const DEFAULT_RETRY = { maxAttempts: 1, retryOn: ['busy', 'unanswered', 'timeout'], delaySeconds: 300 };

export const createReminderSchema = z
  .strictObject({
    /** The person to call; any common notation, normalized to E.164 with the default region. */
    to: z.string().min(1).max(64).meta({ example: '+31612345678' }),
    from: z.string().min(1).max(64).meta({ example: '+31201234567' }),
    ncco: nccoSchema.optional(),
    answerUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    /** One-off: when to call (ISO 8601 with offset). */
    at: z.iso.datetime({ offset: true }).optional(),
    recurrence: recurrenceSchema.optional(),
    /** Zone of the call window for a one-off reminder; a recurrence uses its own zone. */
    timezone: timezoneSchema.optional(),
    callWindow: callWindowSchema.optional(),
    retry: retrySchema.default(DEFAULT_RETRY),
    machineDetection: z.enum(['continue', 'hangup']).optional(),
    ringingTimer: z.number().int().min(1).max(120).optional(),
    lengthTimer: z.number().int().min(1).max(7200).optional(),
  })
  .refine((body) => (body.ncco === undefined) !== (body.answerUrl === undefined), {
    message: 'exactly one of ncco or answerUrl is required',
    path: ['ncco'],
  });
export type CreateReminderInput = z.output<typeof createReminderSchema>;

export const reminderIdSchema = z.strictObject({ id: z.uuid() });
