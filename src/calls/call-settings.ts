import { IANAZone } from 'luxon';
import { z } from 'zod';
import { callResponsesSchema, metadataSchema } from '../shared/call-responses.ts';
import { nccoSchema } from '../shared/ncco.ts';
import { OUTCOMES } from './call-status.ts';
import { NEVER_RETRY } from './retry-policy.ts';

/**
 * Call settings campaigns and reminders share: what the callee hears, when and how often to
 * call, and the gateway's call options. Strict objects: an unknown field is a 400.
 */

const timezoneCache = new Map<string, boolean>();
/** IANA zone names only (`Europe/Amsterdam`, `UTC`); cached because CSV rows repeat the same few. */
export function isIanaZone(name: string): boolean {
  let valid = timezoneCache.get(name);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name);
    if (timezoneCache.size < 1_000) timezoneCache.set(name, valid);
  }
  return valid;
}

export const timezoneSchema = z
  .string()
  .refine(isIanaZone, 'must be an IANA time zone such as Europe/Amsterdam')
  .meta({ example: 'Europe/Amsterdam' });

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)');

export const callWindowSchema = z
  .strictObject({
    /** Local time calls may start, in the recipient's zone (or the campaign's). */
    start: clock,
    /** Local time from which no call starts; at or before `start` means the window runs past midnight. */
    end: clock,
    /** ISO weekdays the window opens on, 1 = Monday … 7 = Sunday; default every day. */
    days: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'days must not repeat')
      .default([1, 2, 3, 4, 5, 6, 7]),
  })
  // Equal ends would mean "always" or "never"; a campaign that may call any time omits the window.
  .refine((window) => window.start !== window.end, { message: 'end must differ from start', path: ['end'] });

/** Outcomes a retry policy may name: the ones a later attempt could change. */
export const RETRYABLE_OUTCOMES = OUTCOMES.filter((outcome) => !NEVER_RETRY.has(outcome));

export const retrySchema = z.strictObject({
  /** Attempts per recipient including the first; 1 means never retry. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  retryOn: z
    .array(z.enum(RETRYABLE_OUTCOMES as [string, ...string[]]))
    .max(RETRYABLE_OUTCOMES.length)
    .default(['busy', 'unanswered', 'timeout']),
  /** Seconds between the end of an attempt and the next; at most a week. */
  delaySeconds: z.number().int().min(0).max(604_800).default(900),
});

/** What the callee hears: an NCCO template, or the caller's own answer URL. Campaigns and reminders share it. */
export const callContentFields = {
  ncco: nccoSchema.optional(),
  answerUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
};

/** Gateway call options (Vonage limits: ringing 1–120 s, length 1–7200 s). */
export const callOptionFields = {
  machineDetection: z.enum(['continue', 'hangup']).optional(),
  ringingTimer: z.number().int().min(1).max(120).optional(),
  lengthTimer: z.number().int().min(1).max(7200).optional(),
};

/** Call results (issue 13): answer labels and replies for `input` actions, and the customer's own metadata. */
export const callResultFields = {
  responses: callResponsesSchema.optional(),
  metadata: metadataSchema.optional(),
};

export const hasOneCallContent = (body: { ncco?: unknown; answerUrl?: unknown }): boolean =>
  (body.ncco === undefined) !== (body.answerUrl === undefined);
export const ONE_CALL_CONTENT = { message: 'exactly one of ncco or answerUrl is required', path: ['ncco'] };
