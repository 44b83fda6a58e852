import { sql } from 'kysely';
import { z } from 'zod';
import type { Db, Trx } from '../db/connect.ts';
import { AppError } from '../shared/errors.ts';
import { writeOutboundEvents } from '../shared/webhook-outbox.ts';
import { attemptEventFields, loadAttemptContext } from './attempt-context.ts';

/**
 * `record` events (docs/gateway-facts.md §3): `recording_url`, `recording_uuid`, `size` (bytes),
 * `start_time`, `end_time`, `conversation_uuid`, `timestamp`, and no `status`. They arrive at
 * the record action's eventUrl or, without one, at the call's event URL (ours).
 */
const recordSchema = z.looseObject({
  recording_url: z.url({ protocol: /^https?$/ }).max(2000),
  recording_uuid: z.string().trim().min(1).max(200),
  size: z.union([z.number(), z.string()]).nullish(),
  start_time: z.string().max(100).nullish(),
  end_time: z.string().max(100).nullish(),
});

/** A record event, not a call-status event: it names a recording and carries no status. */
export function isRecordEvent(fields: unknown): boolean {
  const value = fields as Record<string, unknown> | null;
  return Boolean(value && typeof value === 'object' && 'recording_url' in value && value.status === undefined);
}

export type RecordingStored = { stored: boolean; attemptFound: boolean };

/**
 * Stores the recording once per recording uuid (deliveries repeat); unknown attempts are not
 * stored. A new recording is announced with `call.recording_available` in the same transaction:
 * a record event may arrive after the call's `completed`, when `call.completed` has already said
 * `recordingAvailable: false`.
 */
export async function storeRecording(db: Db, attemptId: string, fields: unknown): Promise<RecordingStored> {
  const parsed = recordSchema.safeParse(fields);
  if (!parsed.success)
    throw new AppError('validation_failed', 400, 'Invalid record event: recording_url and recording_uuid are required');
  const stored = await db.transaction().execute((trx) => insertRecording(trx, attemptId, parsed.data, fields));
  if (stored) return { stored: true, attemptFound: true };
  const known = await db.selectFrom('call_attempts').select('id').where('id', '=', attemptId).executeTakeFirst();
  return { stored: false, attemptFound: known !== undefined };
}

async function insertRecording(
  trx: Trx,
  attemptId: string,
  event: z.infer<typeof recordSchema>,
  fields: unknown,
): Promise<boolean> {
  const startedAt = toDate(event.start_time);
  const endedAt = toDate(event.end_time);
  const duration =
    startedAt && endedAt ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)) : null;
  const size = event.size === null || event.size === undefined || event.size === '' ? null : Number(event.size);
  const sizeBytes = Number.isFinite(size) ? size : null;
  const { rows } = await sql<{ attempt_id: string }>`
    insert into call_recordings (attempt_id, recording_uuid, recording_url, started_at, ended_at, size_bytes, duration_seconds, payload)
    select a.id, ${event.recording_uuid}, ${event.recording_url}, ${startedAt}, ${endedAt},
           ${sizeBytes}, ${duration}, ${JSON.stringify(fields)}::jsonb
    from call_attempts a where a.id = ${attemptId}::uuid
    on conflict (recording_uuid) do nothing
    returning attempt_id`.execute(trx);
  if (rows.length === 0) return false;
  const context = await loadAttemptContext(trx, attemptId);
  if (!context) return true;
  await writeOutboundEvents(trx, [
    {
      apiKeyId: context.apiKeyId,
      type: 'call.recording_available',
      data: {
        ...attemptEventFields(attemptId, context),
        durationSeconds: duration,
        sizeBytes,
        // The raw URL needs the gateway's credential; the customer downloads through callcast.
        download: `/v1/calls/${attemptId}/recording`,
        metadata: context.metadata,
      },
    },
  ]);
  return true;
}

function toDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isNaN(date.getTime()) ? null : date;
}
