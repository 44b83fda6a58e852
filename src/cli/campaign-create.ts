import { statSync } from 'node:fs';
import type { ApiClient } from './api-client.ts';
import { type FlagSpec, type ParsedArgs, parseArgs, positionals, required, usageError } from './args.ts';
import { callContent, callWindow, retryOf } from './call-flags.ts';
import { finalLine, watchCampaign, watchIntervalMs } from './campaign-watch.ts';
import { CliError, EXIT } from './cli-error.ts';
import { printIntake, printJson, type RejectedRow } from './output.ts';
import type { ProducerContext, Subcommand } from './producer.ts';
import { countingFileStream, uploadBar } from './progress.ts';

const path = (id: string, rest = '') => `/v1/campaigns/${encodeURIComponent(id)}${rest}`;

const CREATE_USAGE =
  'callcast campaign create --name <name> --from <+31…> (--ncco <script.json> | --answer-url <url>) --csv <contacts.csv> ' +
  '[--window 09:00-20:00] [--days 1-5] [--timezone Europe/Amsterdam] [--start-at <ISO time>] ' +
  '[--max-attempts N] [--retry-delay <seconds>] [--idempotency-key K] [--watch] [--interval <seconds>] [--json]';

const CREATE_FLAGS: FlagSpec = {
  name: 'string',
  from: 'string',
  ncco: 'string',
  'answer-url': 'string',
  csv: 'string',
  window: 'string',
  days: 'string',
  timezone: 'string',
  'start-at': 'string',
  'max-attempts': 'string',
  'retry-delay': 'string',
  'idempotency-key': 'string',
  watch: 'boolean',
  interval: 'string',
  json: 'boolean',
};

interface IntakeResult {
  id: string;
  accepted: number;
  rejectedCount: number;
  rejected: RejectedRow[];
}

/** The POST /v1/campaigns body the flags describe, without recipients (they follow as CSV). */
function campaignBody(parsed: ParsedArgs, usage = CREATE_USAGE): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: required(parsed, 'name', usage),
    from: required(parsed, 'from', usage),
    ...callContent(parsed, usage),
  };
  const optional = { timezone: parsed.strings.get('timezone'), startAt: parsed.strings.get('start-at') };
  for (const [field, value] of Object.entries(optional)) if (value !== undefined) body[field] = value;
  const window = parsed.strings.get('window');
  if (window !== undefined) body.callWindow = callWindow(window, parsed.strings.get('days'), usage);
  else if (parsed.strings.has('days')) throw usageError('--days needs --window', usage);
  const retry = retryOf(parsed, usage);
  if (retry) body.retry = retry;
  return body;
}

/** The CSV file's size, or a usage error before anything is created. */
function csvSize(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a file');
    return stat.size;
  } catch (err) {
    throw new CliError(EXIT.usage, 'file_unreadable', `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Streams the CSV to POST /v1/campaigns/:id/recipients, with a bytes-and-rows bar on a terminal. */
async function uploadCsv(client: ApiClient, campaignId: string, file: string, tty: boolean): Promise<IntakeResult> {
  const bar = uploadBar(csvSize(file), tty);
  try {
    const body = countingFileStream(file, (progress) => bar.update(progress));
    return await client.upload<IntakeResult>(path(campaignId, '/recipients'), body, 'text/csv');
  } finally {
    bar.stop();
  }
}

export const create: Subcommand = {
  usage: CREATE_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, CREATE_FLAGS, CREATE_USAGE);
    positionals(parsed, [], CREATE_USAGE);
    const body = campaignBody(parsed);
    const csv = required(parsed, 'csv', CREATE_USAGE);
    csvSize(csv); // an unreadable file is a usage error before anything is created
    const interval = watchIntervalMs(parsed, CREATE_USAGE);
    const [json, watch] = [parsed.booleans.has('json'), parsed.booleans.has('watch')];
    const client = ctx.client();
    const created = await client.create<{ id: string; status: string }>(
      '/v1/campaigns',
      { ...body, recipients: [] },
      parsed.strings.get('idempotency-key'),
    );
    const { id, status } = created.body;
    if (created.replayed) await announceReplay(ctx, id, json, watch);
    else {
      const upload = await uploadOrWithdraw(ctx, id, csv);
      // With --watch, --json output is one JSON object per line throughout (this one, then each interval).
      if (json) printJsonLine({ id, status, name: body.name, ...withoutId(upload) }, watch);
      else {
        console.log(`campaign ${id} created (${status})`);
        printIntake(upload);
      }
    }
    if (!watch) return EXIT.ok;
    const last = await watchCampaign(client, id, { intervalMs: interval, json, tty: ctx.tty });
    if (!json && ctx.tty) console.log(finalLine(last));
    return EXIT.ok;
  },
};

const printJsonLine = (value: unknown, oneLine: boolean) =>
  console.log(oneLine ? JSON.stringify(value) : JSON.stringify(value, null, 2));

/**
 * A repeat of an earlier create with the same --idempotency-key: that campaign already has its
 * recipients (or was cancelled when they failed), so the CSV is not sent a second time.
 */
async function announceReplay(ctx: ProducerContext, id: string, json: boolean, watch: boolean): Promise<void> {
  const campaign = await ctx.client().json<{ name: string; status: string; recipientCount: number }>('GET', path(id));
  const { name, status, recipientCount } = campaign;
  if (json) printJsonLine({ id, status, name, replayed: true, recipientCount }, watch);
  else {
    console.log(
      `campaign ${id} was already created with this idempotency key (${status}, ${recipientCount} recipients)`,
    );
    console.log('  the CSV was not uploaded again');
  }
}

const withoutId = ({ id: _id, ...rest }: IntakeResult) => rest;

/**
 * A campaign whose recipients did not arrive would sit running and empty, so it is cancelled and
 * the error says so; one whose every row was rejected likewise (exit 1, code no_recipients).
 */
/**
 * A campaign whose recipients did not arrive, or whose every row was rejected, would sit running
 * and empty forever, so it is cancelled again and the error says so (exit 1; code no_recipients
 * when the API took the upload but accepted no row).
 */
async function uploadOrWithdraw(ctx: ProducerContext, id: string, csv: string): Promise<IntakeResult> {
  const client = ctx.client();
  let upload: IntakeResult;
  try {
    upload = await uploadCsv(client, id, csv, ctx.tty);
  } catch (err) {
    if (err instanceof CliError) throw await withdrawn(ctx, id, err);
    throw err;
  }
  if (upload.accepted === 0) {
    const err = new CliError(EXIT.api, 'no_recipients', `no row of ${csv} was accepted`, {
      details: upload.rejected.map((row) => ({
        field: `line ${row.line ?? row.index}`,
        code: row.code,
        message: row.number,
      })),
    });
    throw await withdrawn(ctx, id, err);
  }
  return upload;
}

async function withdrawn(ctx: ProducerContext, id: string, err: CliError): Promise<CliError> {
  const cancelled = await ctx
    .client()
    .json('POST', path(id, '/cancel'))
    .then(
      () => `campaign ${id} was cancelled, it has no recipients`,
      () => `campaign ${id} exists without recipients; cancel it with \`callcast campaign cancel ${id}\``,
    );
  return new CliError(err.exitCode, err.code, `${err.message} (${cancelled})`, {
    details: err.details,
    httpStatus: err.httpStatus,
  });
}

const UPLOAD_USAGE = 'callcast campaign upload <id> --csv <contacts.csv> [--json]';
export const upload: Subcommand = {
  usage: UPLOAD_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, { csv: 'string', json: 'boolean' }, UPLOAD_USAGE);
    const [id] = positionals(parsed, ['id'], UPLOAD_USAGE) as [string];
    const csv = required(parsed, 'csv', UPLOAD_USAGE);
    const result = await uploadCsv(ctx.client(), id, csv, ctx.tty);
    if (parsed.booleans.has('json')) printJson(result);
    else printIntake(result);
    return EXIT.ok;
  },
};
