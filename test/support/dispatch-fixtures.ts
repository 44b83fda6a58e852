import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.ts';
import type { CallWindowJson } from '../../src/db/database.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';

export interface SeedOptions {
  recipients: number;
  /** First number; the rest count up from it. */
  firstNumber?: number;
  status?: 'running' | 'paused' | 'cancelled';
  callWindow?: CallWindowJson | null;
  timezone?: string;
  startAt?: Date;
}

/** A campaign with `recipients` pending recipients, inserted directly (no intake API). */
export async function seedCampaign(
  db: Db,
  options: SeedOptions,
): Promise<{ campaignId: string; numbers: string[]; authorization: string }> {
  const key = await createApiKey(db, `dispatch-${Math.random()}`);
  const campaign = await db
    .insertInto('campaigns')
    .values({
      api_key_id: key.id,
      name: 'dispatch test',
      from_number: '+31201234567',
      ncco: JSON.stringify([{ action: 'talk', text: 'Hello {{name}}' }]),
      status: options.status ?? 'running',
      start_at: options.startAt ?? new Date(Date.now() - 1000),
      timezone: options.timezone ?? 'UTC',
      call_window: options.callWindow ? JSON.stringify(options.callWindow) : null,
      retry_policy: JSON.stringify({ maxAttempts: 1, retryOn: [], delaySeconds: 60 }),
      recipient_count: options.recipients,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const first = options.firstNumber ?? 31_612_000_000;
  const numbers = Array.from({ length: options.recipients }, (_, i) => `+${first + i}`);
  if (numbers.length > 0) {
    await db
      .insertInto('recipients')
      .values(
        numbers.map((number, i) => ({ campaign_id: campaign.id, number, data: JSON.stringify({ name: `r${i}` }) })),
      )
      .execute();
  }
  return { campaignId: campaign.id, numbers, authorization: `Bearer ${key.key}` };
}

/** A one-off reminder due now with its first run's attempt `queued`, inserted directly (no API, no job). */
export async function seedReminderAttempt(
  db: Db,
  options: { keyName: string; to: string },
): Promise<{ reminderId: string; attemptId: string; apiKeyId: string }> {
  const key = await createApiKey(db, options.keyName);
  const reminder = await db
    .insertInto('reminders')
    .values({
      api_key_id: key.id,
      to_number: options.to,
      from_number: '+31209999999',
      ncco: JSON.stringify([{ action: 'talk', text: 'Your appointment' }]),
      run_at: new Date(),
      retry_policy: JSON.stringify({ maxAttempts: 1, retryOn: [], delaySeconds: 60 }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const attempt = await db
    .insertInto('call_attempts')
    .values({ reminder_id: reminder.id, reminder_run: 1, attempt_no: 1, to_number: options.to, status: 'queued' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { reminderId: reminder.id, attemptId: attempt.id, apiKeyId: key.id };
}

/**
 * The first recipient of a seeded campaign with its first attempt, inserted directly (no job):
 * `queued`, or `dialing` with its dial started `dialedSecondsAgo` seconds ago and no uuid (an
 * unconfirmed dial, as a lost create-call answer leaves it).
 */
export async function seedCampaignAttempt(
  db: Db,
  campaignId: string,
  options: { status: 'queued' } | { status: 'dialing'; dialedSecondsAgo: number },
): Promise<{ attemptId: string; recipientId: string; number: string }> {
  const recipient = await db
    .updateTable('recipients')
    .set({ status: 'queued', attempt_count: 1 })
    .where('campaign_id', '=', campaignId)
    .returning(['id', 'number'])
    .executeTakeFirstOrThrow();
  const attempt = await db
    .insertInto('call_attempts')
    .values({
      campaign_id: campaignId,
      recipient_id: recipient.id,
      attempt_no: 1,
      to_number: recipient.number,
      status: options.status,
      ...(options.status === 'dialing'
        ? { dial_started_at: sql<Date>`now() - make_interval(secs => ${options.dialedSecondsAgo})` }
        : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { attemptId: attempt.id, recipientId: recipient.id, number: recipient.number };
}
