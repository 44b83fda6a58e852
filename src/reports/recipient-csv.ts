import { sql } from 'kysely';
import type { DbOrTrx } from '../db/connect.ts';

const RECIPIENT_CSV_COLUMNS = [
  'number',
  'status',
  'final_outcome',
  'attempts',
  'first_attempt_at',
  'last_attempt_at',
  'talk_seconds',
  'cost',
  'label',
  'digits',
] as const;

// Rows per keyset page: big enough to amortize the round trip, small enough to hold in memory.
const PAGE_ROWS = 1000;

interface RecipientReportRow {
  id: string;
  number: string;
  status: string;
  final_outcome: string | null;
  attempts: number;
  first_at: Date | null;
  last_at: Date | null;
  talk_seconds: string;
  cost: string;
  label: string | null;
  digits: string | null;
}

/**
 * The per-recipient report as CSV text chunks (header first), read from Postgres in keyset pages
 * over recipients_by_campaign_id: memory stays flat whatever the campaign size, and each page is
 * its own short query, so no transaction or cursor is held open while a slow client reads.
 */
export async function* recipientCsv(db: DbOrTrx, campaignId: string, pageRows = PAGE_ROWS): AsyncGenerator<string> {
  yield `${RECIPIENT_CSV_COLUMNS.join(',')}\r\n`;
  let after = '0';
  for (;;) {
    const rows = await recipientPage(db, campaignId, after, pageRows);
    if (rows.length === 0) return;
    yield rows.map(toCsvLine).join('');
    after = rows.at(-1)?.id ?? after;
    if (rows.length < pageRows) return;
  }
}

async function recipientPage(db: DbOrTrx, campaignId: string, after: string, limit: number) {
  const { rows } = await sql<RecipientReportRow>`
    select r.id, r.number, r.status, r.final_outcome, greatest(r.attempt_count, s.n)::int as attempts,
           s.first_at, s.last_at, s.talk_seconds, s.cost, ans.label, ans.digits
    from recipients r
    cross join lateral (
      select count(*) as n,
             min(coalesce(a.dial_started_at, a.created_at)) as first_at,
             max(coalesce(a.dial_started_at, a.created_at)) as last_at,
             coalesce(sum(a.duration_seconds), 0) as talk_seconds,
             coalesce(sum(a.price), 0)::numeric(20, 6) as cost
      from call_attempts a where a.recipient_id = r.id
    ) s
    -- The latest answer of the recipient's attempts (issue 13); empty when it never answered.
    left join lateral (
      select a.answer_label as label, a.answer_digits as digits
      from call_attempts a where a.recipient_id = r.id and a.answer_label is not null
      order by a.attempt_no desc limit 1
    ) ans on true
    where r.campaign_id = ${campaignId} and r.id > ${after}::bigint
    order by r.id
    limit ${limit}`.execute(db);
  return rows;
}

function toCsvLine(row: RecipientReportRow): string {
  const cells = [
    row.number,
    row.status,
    row.final_outcome ?? '',
    String(row.attempts),
    row.first_at ? new Date(row.first_at).toISOString() : '',
    row.last_at ? new Date(row.last_at).toISOString() : '',
    String(row.talk_seconds),
    String(row.cost),
    row.label ?? '',
    row.digits ?? '',
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** RFC 4180: quote a cell holding a comma, quote or line break; double its quotes. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
