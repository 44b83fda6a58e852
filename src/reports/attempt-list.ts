import { sql } from 'kysely';
import type { z } from 'zod';
import type { Outcome } from '../calls/call-status.ts';
import type { DbOrTrx } from '../db/connect.ts';
import { AppError } from '../shared/errors.ts';
import type { attemptItemSchema, attemptPageSchema } from './report-schemas.ts';

export interface AttemptListQuery {
  /** Page size, 1–500. */
  limit: number;
  /** From the previous page's nextCursor. */
  cursor?: string | undefined;
  outcome?: Outcome | undefined;
  /** E.164. */
  number?: string | undefined;
  /** Answer label (issue 13). */
  label?: string | undefined;
}

export type AttemptItem = z.infer<typeof attemptItemSchema>;
export type AttemptPage = z.infer<typeof attemptPageSchema>;

/**
 * One campaign's attempts in creation order, keyset-paginated on (created_at, id) so a page
 * costs the same at row 1 and row 1,000,000. The cursor carries created_at with microseconds
 * (a JS Date would drop them and skip or repeat rows).
 */
export async function listAttempts(db: DbOrTrx, campaignId: string, query: AttemptListQuery): Promise<AttemptPage> {
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  let select = db
    .selectFrom('call_attempts')
    .selectAll()
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_at'))
    .where('campaign_id', '=', campaignId);
  if (query.outcome) select = select.where('outcome', '=', query.outcome);
  if (query.number) select = select.where('to_number', '=', query.number);
  if (query.label) select = select.where('answer_label', '=', query.label);
  if (after) select = select.where(sql<boolean>`(created_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
  const rows = await select
    .orderBy('created_at')
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      recipientId: row.recipient_id,
      attemptNo: row.attempt_no,
      number: row.to_number,
      status: row.status,
      outcome: row.outcome,
      detail: row.detail,
      callUuid: row.call_uuid,
      createdAt: row.created_at.toISOString(),
      dialStartedAt: row.dial_started_at?.toISOString() ?? null,
      answeredAt: row.answered_at?.toISOString() ?? null,
      endedAt: row.ended_at?.toISOString() ?? null,
      durationSeconds: row.duration_seconds,
      price: row.price,
      rate: row.rate,
      network: row.network,
      label: row.answer_label,
      digits: row.answer_digits,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && CURSOR_AT.test(at) && UUID.test(id)) return { at, id };
  } catch {
    // fall through to the one error below
  }
  throw new AppError('validation_failed', 400, 'Invalid cursor: pass nextCursor from the previous page unchanged');
}
