import type { z } from 'zod';
import {
  createReminderSchema,
  reminderDetailSchema,
  reminderPageSchema,
  reminderViewSchema,
} from './reminder-schema.ts';

/** Reminder schemas for GET /docs: the same zod schemas the routes validate with and answer by. */
export const REMINDER_SCHEMAS = {
  CreateReminder: [createReminderSchema, 'input'],
  Reminder: [reminderViewSchema, 'output'],
  ReminderDetail: [reminderDetailSchema, 'output'],
  ReminderPage: [reminderPageSchema, 'output'],
} as const satisfies Record<string, [z.ZodType, 'input' | 'output']>;

const ref = (name: keyof typeof REMINDER_SCHEMAS | 'Error') => ({ $ref: `#/components/schemas/${name}` });
const answer = (description: string, name: keyof typeof REMINDER_SCHEMAS | 'Error') => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const common = {
  '401': answer('missing or unknown API key', 'Error'),
  '404': answer('no such reminder for this key', 'Error'),
};

const CREATE_DESCRIPTION = [
  'Exactly one of `at` (ISO 8601 with offset, in the future) and `recurrence` (5-field cron read in',
  '`recurrence.timezone`, with optional `until` or `count`); exactly one of `ncco` and `answerUrl`.',
  'Daylight saving: a local time that does not exist runs as far after the gap (02:30 → 03:30); one',
  'that exists twice runs once, at its first occurrence. A run or retry outside `callWindow` waits',
  'for its next opening. 400 `validation_failed` lists each problem as { field, code }: codes',
  '`schedule_required`, `at_and_recurrence`, `time_in_past`, `invalid_cron`, `invalid_timezone`,',
  '`no_occurrence`, `timezone_conflict`, `invalid_number`, `suppressed_number`, plus zod codes for shape errors.',
].join(' ');

export function reminderPaths(): Record<string, unknown> {
  return {
    '/v1/reminders': {
      post: {
        summary: 'Schedule a reminder call, once or on a recurrence',
        description: CREATE_DESCRIPTION,
        parameters: [
          { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: ref('CreateReminder') } } },
        responses: {
          '201': answer('created (or replayed: header Idempotent-Replayed: true)', 'ReminderDetail'),
          '400': answer(
            'validation_failed, invalid_json; from_not_registered; premium_rate_number, shared_cost_number, number_type_not_allowed (`to` or a connect target); connect_not_allowed',
            'Error',
          ),
          '422': answer('idempotency_key_reused', 'Error'),
          '401': common['401'],
        },
      },
      get: {
        summary: "List the key's reminders, newest first",
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': answer('a page', 'ReminderPage'), '401': common['401'] },
      },
    },
    '/v1/reminders/{id}': {
      get: {
        summary: 'A reminder: next run, past attempts and their outcomes',
        parameters: [idParam],
        responses: { '200': answer('the reminder', 'ReminderDetail'), ...common },
      },
      delete: {
        summary: 'Cancel future runs; a run already dialing finishes (no retry, no next run)',
        parameters: [idParam],
        responses: { '200': answer('the reminder, cancelled', 'ReminderDetail'), ...common },
      },
    },
  };
}
