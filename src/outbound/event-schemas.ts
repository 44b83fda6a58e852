import { z } from 'zod';

/**
 * The outbound event payloads (issue 13) as zod schemas: documentation of what callcast POSTs to
 * customer endpoints (OpenAPI `webhooks`). The builders in result-events.ts and
 * webhooks/input-answer.ts write these shapes.
 */

const answer = z.object({ label: z.string().nullable(), digits: z.string().nullable() }).nullable();
const metadata = z.record(z.string(), z.unknown()).meta({ description: "the campaign's or reminder's `metadata`" });
/** Who an event about one attempt is about (input and recording events). */
const attemptFields = {
  attemptId: z.uuid(),
  campaignId: z.uuid().nullable(),
  reminderId: z.uuid().nullable(),
  reminderRun: z.number().int().nullable(),
  attemptNo: z.number().int(),
  number: z.string(),
};
const envelope = <T extends z.ZodType>(type: string, data: T) =>
  z.object({
    id: z.uuid().meta({ description: 'stable event id; also the webhook-id header, the same on every try' }),
    type: z.literal(type),
    timestamp: z.string().meta({ description: 'when the event was written (ISO 8601)' }),
    data,
  });

export const callCompletedEventSchema = envelope(
  'call.completed',
  z.object({
    attemptId: z.uuid(),
    campaignId: z.uuid().nullable(),
    reminderId: z.uuid().nullable(),
    reminderRun: z.number().int().nullable(),
    attemptNo: z.number().int(),
    isLastAttempt: z.boolean().meta({ description: 'false when a retry of this recipient or run is scheduled' }),
    number: z.string(),
    outcome: z.string(),
    durationSeconds: z.number().int().nullable(),
    cost: z.string().nullable().meta({ description: 'EUR, decimal string' }),
    answeredAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    answer,
    recordingAvailable: z.boolean().meta({ description: 'GET /v1/calls/{attemptId}/recording serves it' }),
    metadata,
  }),
);
export const answeredInputEventSchema = envelope(
  'call.answered_input',
  z.object({
    ...attemptFields,
    sequence: z.number().int().meta({ description: '1 for the call’s first answer, 2 for the next, …' }),
    label: z.string().nullable(),
    digits: z.string().nullable(),
    speech: z.object({ text: z.string(), confidence: z.number().nullable() }).nullable(),
    timedOut: z.boolean(),
    optOut: z.boolean().meta({ description: 'the number was added to the do-not-call list' }),
    receivedAt: z.string(),
    metadata,
  }),
);
export const recordingAvailableEventSchema = envelope(
  'call.recording_available',
  z.object({
    ...attemptFields,
    durationSeconds: z.number().int().nullable(),
    sizeBytes: z.number().nullable(),
    download: z.string().meta({ description: 'GET this path with the API key to stream the audio' }),
    metadata,
  }),
);
export const campaignCompletedEventSchema = envelope(
  'campaign.completed',
  z.object({
    campaignId: z.uuid(),
    name: z.string(),
    completedAt: z.string(),
    recipients: z.number().int(),
    outcomes: z.record(z.string(), z.number().int()).meta({ description: 'recipients per final outcome' }),
    answersByLabel: z.record(z.string(), z.number().int()),
    metadata,
  }),
);
export const reminderRunCompletedEventSchema = envelope(
  'reminder.run.completed',
  z.object({
    reminderId: z.uuid(),
    run: z.number().int().nullable(),
    attempts: z.number().int(),
    outcome: z.string(),
    answer,
    lastAttemptId: z.uuid(),
    metadata,
  }),
);
