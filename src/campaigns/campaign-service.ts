import type { Readable } from 'node:stream';
import type { Db, Trx } from '../db/connect.ts';
import type { NewCampaign } from '../db/database.ts';
import { assertFromRegistered } from '../keys/key-numbers.ts';
import { callSetupColumns } from '../shared/call-columns.ts';
import {
  assertConnectAllowed,
  type DialPolicy,
  defaultDialPolicy,
  placeholderConnects,
} from '../shared/dial-policy.ts';
import { AppError } from '../shared/errors.ts';
import { type IdempotencyClaim, runIdempotent, type StoredAnswer } from '../shared/idempotency.ts';
import { toE164 } from '../shared/phone-number.ts';
import { insertCampaign, lockCampaign } from './campaign-repository.ts';
import type { CreateCampaignInput, RecipientInput } from './campaign-schema.ts';
import { type CsvTimeouts, csvRecipients } from './csv-recipients.ts';
import { type IntakeResult, ingestRecipients } from './recipient-intake.ts';
import type { RawRecipient } from './recipient-rows.ts';
import type { UploadGate } from './upload-gate.ts';

export interface IntakeDeps {
  db: Db;
  /** Region for numbers without a country code (config.defaultRegion). */
  defaultRegion: string;
  /** CSV uploads: their own pool, a bound on how many run at once, and their timeouts. */
  csv?: CsvIntake;
  /** Number types and connect targets allowed; default `defaultDialPolicy(defaultRegion)`. */
  policy?: DialPolicy;
}

export interface CsvIntake {
  /** A pool only CSV uploads use, so they can never take the connections webhooks need. */
  db: Db;
  gate: UploadGate;
  timeouts: CsvTimeouts;
}

export interface CreatedCampaign extends IntakeResult {
  id: string;
  status: string;
}

/** Rejected rows listed in full for a CSV upload; the rest are counted (`rejectedCount`). */
const CSV_REJECTED_LISTED = 100;

/**
 * Creates a campaign with its inline recipients in one transaction: a thrown error leaves
 * nothing behind. With an idempotency claim, a repeat of the same request replays the answer.
 */
export async function createCampaign(
  deps: IntakeDeps,
  apiKeyId: string,
  input: CreateCampaignInput,
  claim?: Omit<IdempotencyClaim, 'apiKeyId'>,
): Promise<StoredAnswer & { replayed: boolean }> {
  const values = campaignValues(apiKeyId, input, deps.defaultRegion);
  const policy = policyOf(deps);
  assertConnectAllowed(input.ncco, policy);
  return deps.db.transaction().execute(async (trx) => {
    const work = async (): Promise<StoredAnswer> => {
      await assertFromRegistered(trx, apiKeyId, values.from_number);
      return { status: 201, body: await insertWithRecipients(trx, deps, values, input) };
    };
    if (!claim) return { ...(await work()), replayed: false };
    return runIdempotent(trx, { ...claim, apiKeyId }, work);
  });
}

const policyOf = (deps: IntakeDeps): DialPolicy => deps.policy ?? defaultDialPolicy(deps.defaultRegion);

async function insertWithRecipients(
  trx: Trx,
  deps: IntakeDeps,
  values: NewCampaign,
  input: CreateCampaignInput,
): Promise<CreatedCampaign> {
  const campaign = await insertCampaign(trx, values);
  const rows = input.recipients.map((recipient, index): RawRecipient => ({ index, ...recipient }));
  const target = {
    campaignId: campaign.id,
    apiKeyId: values.api_key_id,
    defaultRegion: deps.defaultRegion,
    rejectedLimit: rows.length,
    policy: policyOf(deps),
    connects: placeholderConnects(input.ncco),
  };
  const result = await ingestRecipients(trx, target, rows);
  return { id: campaign.id, status: campaign.status, ...result };
}

function campaignValues(apiKeyId: string, input: CreateCampaignInput, defaultRegion: string): NewCampaign {
  const from = toE164(input.from, defaultRegion);
  if (!from.ok) {
    throw new AppError('validation_failed', 400, `Invalid body: from (${from.problem})`, {
      details: [{ field: 'from', code: from.problem, message: 'not a valid phone number' }],
    });
  }
  return {
    api_key_id: apiKeyId,
    name: input.name,
    from_number: from.number,
    ...callSetupColumns(input),
    start_at: input.startAt ? new Date(input.startAt) : undefined,
    timezone: input.timezone,
    priority: input.priority ?? 0,
    max_calls_per_second: input.maxCallsPerSecond ?? null,
  };
}

export type RecipientSource = { kind: 'json'; rows: readonly RecipientInput[] } | { kind: 'csv'; stream: Readable };

/**
 * Adds recipients to an open campaign in one transaction. Rows are accepted or rejected one by
 * one (the answer lists why); a structural problem (malformed CSV) rolls everything back.
 */
export async function addRecipients(
  deps: IntakeDeps,
  apiKeyId: string,
  campaignId: string,
  source: RecipientSource,
): Promise<IntakeResult & { id: string }> {
  if (source.kind === 'csv' && deps.csv) {
    const leave = deps.csv.gate.enter(apiKeyId);
    try {
      return await storeRecipients(deps, deps.csv.db, apiKeyId, campaignId, source);
    } finally {
      leave();
    }
  }
  return storeRecipients(deps, deps.db, apiKeyId, campaignId, source);
}

async function storeRecipients(
  deps: IntakeDeps,
  db: Db,
  apiKeyId: string,
  campaignId: string,
  source: RecipientSource,
): Promise<IntakeResult & { id: string }> {
  return db.transaction().execute(async (trx) => {
    const campaign = await lockCampaign(trx, apiKeyId, campaignId);
    if (campaign.status === 'cancelled' || campaign.status === 'completed') {
      throw new AppError('invalid_state', 409, `Campaign is ${campaign.status}; it takes no more recipients`, {
        details: { status: campaign.status },
      });
    }
    const rows =
      source.kind === 'csv'
        ? csvRecipients(source.stream, deps.csv?.timeouts)
        : source.rows.map((recipient, index): RawRecipient => ({ index, ...recipient }));
    const rejectedLimit = source.kind === 'csv' ? CSV_REJECTED_LISTED : source.rows.length;
    const connects = placeholderConnects(campaign.ncco);
    const target = {
      campaignId,
      apiKeyId,
      defaultRegion: deps.defaultRegion,
      rejectedLimit,
      policy: policyOf(deps),
      connects,
    };
    return { id: campaignId, ...(await ingestRecipients(trx, target, rows)) };
  });
}
