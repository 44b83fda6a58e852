import type { DbOrTrx } from '../db/connect.ts';
import { namespaceConversations, renderNcco } from '../shared/ncco-template.ts';
import { type WebhookBase, withOwnInputUrls } from '../shared/webhook-urls.ts';

/**
 * Said when the answer webhook names an attempt we cannot find (deleted campaign, a campaign
 * dialed with its own answer_url, a stale URL). A short talk rather than a 404: a 404 makes
 * Vonage retry and then try the fallback URL while the callee listens to silence; this way the
 * callee hears one sentence and the call ends when the NCCO does.
 */
export const FALLBACK_NCCO: readonly unknown[] = Object.freeze([
  { action: 'talk', text: 'Sorry, this call cannot be completed. Goodbye.', language: 'en-GB' },
]);

export interface AnswerNcco {
  ncco: unknown[];
  /** False when FALLBACK_NCCO was served. */
  found: boolean;
}

/**
 * The NCCO for one attempt: its campaign's template filled with its recipient's data, or its
 * reminder's NCCO. One query over primary keys, because Vonage gives the answer URL 5 s and callees hear
 * every millisecond of it.
 */
export async function answerNcco(db: DbOrTrx, attemptId: string, base?: WebhookBase): Promise<AnswerNcco> {
  const row = await db
    .selectFrom('call_attempts as a')
    .leftJoin('campaigns as c', 'c.id', 'a.campaign_id')
    .leftJoin('recipients as r', 'r.id', 'a.recipient_id')
    .leftJoin('reminders as m', 'm.id', 'a.reminder_id')
    .select([
      'c.ncco as campaign_ncco',
      'r.data',
      'm.ncco as reminder_ncco',
      'c.api_key_id as campaign_key',
      'm.api_key_id as reminder_key',
    ])
    .where('a.id', '=', attemptId)
    .executeTakeFirst();
  // `input` actions without an eventUrl answer to callcast's /webhooks/input (issue 13).
  const own = (ncco: unknown[]) => (base ? withOwnInputUrls(ncco, base, attemptId) : ncco);
  if (row?.campaign_ncco && row.campaign_key) {
    const rendered = renderNcco(row.campaign_ncco, row.data ?? {});
    return { ncco: own(namespaceConversations(rendered, row.campaign_key)), found: true };
  }
  // A reminder's NCCO is written for its one callee: served as stored, no placeholders.
  if (row?.reminder_ncco && row.reminder_key) {
    return { ncco: own(namespaceConversations(row.reminder_ncco, row.reminder_key)), found: true };
  }
  return { ncco: [...FALLBACK_NCCO], found: false };
}
