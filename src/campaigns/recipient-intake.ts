import { sql } from 'kysely';
import type { Trx } from '../db/connect.ts';
import type { DialPolicy } from '../shared/dial-policy.ts';
import { suppressedAmong } from '../suppressions/suppression-repository.ts';
import {
  dedupe,
  isRejected,
  normalizeRow,
  type RawRecipient,
  type RejectedRow,
  rejectValid,
  type ValidRecipient,
} from './recipient-rows.ts';

// Rows per multi-row insert: one round trip per 2,000 rows keeps a 100k upload to 50 statements
// while a batch (and its arrays) stays well under a megabyte.
const BATCH_ROWS = 2_000;
// Rows normalized between two turns of the event loop (~5 ms of libphonenumber work).
const YIELD_EVERY_ROWS = 200;

export interface IntakeResult {
  accepted: number;
  rejectedCount: number;
  /** Rejected rows in input order, at most `rejectedLimit` of them. */
  rejected: RejectedRow[];
}

export interface IntakeTarget {
  campaignId: string;
  apiKeyId: string;
  defaultRegion: string;
  /** How many rejected rows to report in full; the rest are only counted. */
  rejectedLimit: number;
  /** Number types refused per row (premium-rate, …); none checked without it. */
  policy?: DialPolicy;
  /** The campaign's connect actions with a placeholder number, checked per row as rendered. */
  connects?: readonly unknown[];
}

/**
 * Stores recipients of one campaign in batches inside the caller's transaction: rows are
 * normalized, de-duplicated (in the batch, then against the campaign by its unique key),
 * checked against the key's suppressions and inserted with one `unnest` insert per batch.
 * Memory holds one batch and the first `rejectedLimit` rejections, whatever the input size.
 */
class RecipientIntake {
  readonly #trx: Trx;
  readonly #target: IntakeTarget;
  #pending: ValidRecipient[] = [];
  #accepted = 0;
  #rejectedCount = 0;
  #rejected: RejectedRow[] = [];

  constructor(trx: Trx, target: IntakeTarget) {
    this.#trx = trx;
    this.#target = target;
  }

  async add(raw: RawRecipient): Promise<void> {
    const row = normalizeRow(raw, this.#target.defaultRegion, this.#target.policy, this.#target.connects);
    if (isRejected(row)) this.#reject([row]);
    else this.#pending.push(row);
    if (this.#pending.length >= BATCH_ROWS) await this.#flush();
  }

  /** Stores what is buffered, bumps the campaign's recipient_count and returns the tally. */
  async finish(): Promise<IntakeResult> {
    await this.#flush();
    if (this.#accepted > 0) {
      await this.#trx
        .updateTable('campaigns')
        .set({ recipient_count: sql`recipient_count + ${this.#accepted}`, updated_at: sql`now()` })
        .where('id', '=', this.#target.campaignId)
        .execute();
    }
    return { accepted: this.#accepted, rejectedCount: this.#rejectedCount, rejected: this.#firstRejected() };
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const { unique, duplicates } = dedupe(this.#pending);
    this.#pending = [];
    this.#reject(duplicates);
    const suppressed = await suppressedAmong(
      this.#trx,
      this.#target.apiKeyId,
      unique.map((row) => row.number),
    );
    const allowed = unique.filter((row) => !suppressed.has(row.number));
    this.#reject(
      unique.filter((row) => suppressed.has(row.number)).map((row) => rejectValid(row, 'suppressed_number')),
    );
    const inserted = await this.#insert(allowed);
    this.#accepted += inserted.size;
    this.#reject(allowed.filter((row) => !inserted.has(row.number)).map((row) => rejectValid(row, 'duplicate_number')));
  }

  /** Inserts rows; a number already in the campaign is skipped by the unique key and not returned. */
  async #insert(rows: readonly ValidRecipient[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const result = await sql<{ number: string }>`
      insert into recipients (campaign_id, number, timezone, data)
      select ${this.#target.campaignId}::uuid, r.number, r.timezone, r.data
      from unnest(
        ${sql.val(rows.map((row) => row.number))}::text[],
        ${sql.val(rows.map((row) => row.timezone))}::text[],
        ${sql.val(rows.map((row) => JSON.stringify(row.data)))}::jsonb[]
      ) as r(number, timezone, data)
      on conflict (campaign_id, number) do nothing
      returning number`.execute(this.#trx);
    return new Set(result.rows.map((row) => row.number));
  }

  #reject(rows: readonly RejectedRow[]): void {
    this.#rejectedCount += rows.length;
    this.#rejected.push(...rows);
    // Rejections of one batch arrive out of order; trim lazily so memory stays ~2× the limit.
    if (this.#rejected.length > 2 * this.#target.rejectedLimit + BATCH_ROWS) this.#rejected = this.#firstRejected();
  }

  #firstRejected(): RejectedRow[] {
    return this.#rejected.sort((a, b) => a.index - b.index).slice(0, this.#target.rejectedLimit);
  }
}

/** Feeds any (async) iterable of rows through one intake and returns the tally. */
export async function ingestRecipients(
  trx: Trx,
  target: IntakeTarget,
  rows: Iterable<RawRecipient> | AsyncIterable<RawRecipient>,
): Promise<IntakeResult> {
  const intake = new RecipientIntake(trx, target);
  let sinceYield = 0;
  for await (const row of rows) {
    await intake.add(row);
    // Parsed rows arrive as microtasks, which run before any socket event: without a turn of the
    // event loop now and then, four uploads parsing at once would hold webhook answers back.
    if (++sinceYield >= YIELD_EVERY_ROWS) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return intake.finish();
}
