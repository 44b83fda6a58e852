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
 * Public request shapes of reminders. Field meanings match campaigns (`from`, `ncco` |
 * `answerUrl`, `callWindow`, `retry`, call options). Objects are strict: an unknown field is a 400.
 * Zone and cron validity are checked by the service, which answers with their own codes.
 */

const recurrenceSchema = z
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
    ...callContentFields,
    ...callResultFields,
    /** One-off: when to call (ISO 8601 with offset). */
    at: z.iso.datetime({ offset: true }).optional(),
    recurrence: recurrenceSchema.optional(),
    /** Zone of the call window for a one-off reminder; a recurrence uses its own zone. */
    timezone: timezoneSchema.optional(),
    callWindow: callWindowSchema.optional(),
    retry: retrySchema.default(DEFAULT_RETRY),
    ...callOptionFields,
  })
  .refine(hasOneCallContent, ONE_CALL_CONTENT);
export type CreateReminderInput = z.output<typeof createReminderSchema>;

/* Answers. The view types are inferred from these, and GET /docs publishes them. */

const isoTime = z.iso.datetime({ offset: true });
const callWindowView = z.object({ start: z.string(), end: z.string(), days: z.array(z.number().int()) });

export const reminderViewSchema = z.object({
  id: z.uuid(),
  status: z.enum(['active', 'cancelled', 'completed']),
  to: z.string(),
  from: z.string(),
  ncco: z.array(z.unknown()).nullable(),
  answerUrl: z.string().nullable(),
  at: isoTime.nullable(),
  recurrence: z
    .object({ cron: z.string(), timezone: z.string(), until: isoTime.nullable(), count: z.number().int().nullable() })
    .nullable(),
  timezone: z.string(),
  callWindow: callWindowView.nullable(),
  retry: z.object({ maxAttempts: z.number().int(), retryOn: z.array(z.string()), delaySeconds: z.number().int() }),
  machineDetection: z.enum(['continue', 'hangup']).nullable(),
  ringingTimer: z.number().int().nullable(),
  lengthTimer: z.number().int().nullable(),
  /** Issue 13: answer labels of `input` actions (null: none) and the customer's metadata. */
  responses: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), z.unknown()),
  /** Runs scheduled so far (a one-off has 1). */
  runCount: z.number().int(),
  /** Due time of the earliest attempt still waiting (a run or a retry); null when none. */
  nextRunAt: isoTime.nullable(),
  createdAt: isoTime,
  cancelledAt: isoTime.nullable(),
  completedAt: isoTime.nullable(),
});
export type ReminderView = z.output<typeof reminderViewSchema>;

const attemptViewSchema = z.object({
  id: z.uuid(),
  run: z.number().int().nullable(),
  attemptNo: z.number().int(),
  status: z.string(),
  outcome: z.string().nullable(),
  detail: z.string().nullable(),
  dueAt: isoTime,
  dialStartedAt: isoTime.nullable(),
  answeredAt: isoTime.nullable(),
  endedAt: isoTime.nullable(),
  durationSeconds: z.number().int().nullable(),
  callUuid: z.string().nullable(),
  /** Label and digits of the attempt's latest answer (`responses`); null when none. */
  label: z.string().nullable(),
  digits: z.string().nullable(),
});
export type AttemptView = z.output<typeof attemptViewSchema>;

/** A reminder with its attempts, newest first (at most 100). */
/** One run's answer: its latest answered attempt's label and digits (issue 13). */
const runAnswerSchema = z.object({
  run: z.number().int(),
  label: z.string().nullable(),
  digits: z.string().nullable(),
  outcome: z.string().nullable(),
});

export const reminderDetailSchema = reminderViewSchema.extend({
  attempts: z.array(attemptViewSchema),
  /** Each run's answer, newest run first (the runs among the attempts shown). */
  runs: z.array(runAnswerSchema),
  /** Runs per answer label, over all runs. */
  answers: z.object({ total: z.number().int(), byLabel: z.record(z.string(), z.number().int()) }),
});
export type ReminderDetail = z.output<typeof reminderDetailSchema>;

export const reminderPageSchema = z.object({ items: z.array(reminderViewSchema), nextCursor: z.string().nullable() });
