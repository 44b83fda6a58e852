import type { DbOrTrx } from '../db/connect.ts';
import { notFound } from '../shared/errors.ts';

export interface OwnedRecording {
  recordingUuid: string;
  /** The gateway's URL: fetched by callcast only, never shown. */
  url: string;
}

/**
 * The latest recording of an attempt that belongs to this key (through its campaign or its
 * reminder). Another key's attempt, an unknown id, and an attempt without a recording are all
 * the same 404, so ids of other keys cannot be probed.
 */
export async function ownedRecording(db: DbOrTrx, apiKeyId: string, attemptId: string): Promise<OwnedRecording> {
  const row = await db
    .selectFrom('call_recordings as rec')
    .innerJoin('call_attempts as a', 'a.id', 'rec.attempt_id')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('reminders as m', 'm.id', 'a.reminder_id')
    .select(['rec.recording_uuid', 'rec.recording_url'])
    .where('a.id', '=', attemptId)
    .where((eb) => eb.or([eb('c.api_key_id', '=', apiKeyId), eb('m.api_key_id', '=', apiKeyId)]))
    .orderBy('rec.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) throw notFound('Recording of call', attemptId);
  return { recordingUuid: row.recording_uuid, url: row.recording_url };
}
