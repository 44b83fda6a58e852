import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { AppError } from '../shared/errors.ts';
import { sniffDelimiter } from './csv-delimiter.ts';
import type { RawRecipient } from './recipient-rows.ts';

/**
 * Streams recipients out of a CSV upload. The header row names the columns: `number` is
 * required, `timezone` optional, every other column goes into the recipient's `data` under its
 * header name. Handles a UTF-8 BOM, quoted fields, blank lines, and `;` or tab separators
 * (decided by the header row). A structural problem
 * (unclosed quote, a row with a different number of fields, no `number` column) throws
 * `invalid_csv` 400 so the caller's transaction stores nothing; bad values in a well-formed row
 * are the intake's per-row rejections instead.
 */

// A sane row is a few hundred bytes; this bounds what one broken quote can make the parser buffer.
const MAX_RECORD_BYTES = 64 * 1024;

interface Columns {
  number: number;
  timezone: number | undefined;
  data: Array<[name: string, position: number]>;
}

export interface CsvTimeouts {
  /** Ends the upload (408 `upload_timeout`) when no byte arrives for this long, in ms. */
  idleTimeoutMs?: number;
  /** Ends the upload (408 `upload_timeout`) when it has not ended this long after it began, in ms. */
  timeoutMs?: number;
}

export async function* csvRecipients(source: Readable, timeouts: CsvTimeouts = {}): AsyncGenerator<RawRecipient> {
  const { idleTimeoutMs, timeoutMs } = timeouts;
  const abort = new AbortController();
  const expire = (message: string) => abort.abort(new AppError('upload_timeout', 408, message));
  // A client trickling bytes (or none) would otherwise hold its transaction, a pooled connection, for ever.
  const deadline =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => expire(`Upload took longer than ${timeoutMs} ms`), timeoutMs);
  // The idle clock runs only while we wait for the client's next row, not while the caller
  // stores a batch. One coarse interval, not a timer per row: a 1M-row upload stays cheap.
  let waitingSince: number | undefined = Date.now();
  const idle =
    idleTimeoutMs === undefined
      ? undefined
      : setInterval(
          () => {
            if (waitingSince !== undefined && Date.now() - waitingSince >= idleTimeoutMs) {
              expire(`Upload sent nothing for ${idleTimeoutMs} ms`);
            }
          },
          Math.max(50, Math.min(1_000, idleTimeoutMs / 10)),
        );
  try {
    for await (const row of parseRecipients(source, abort.signal)) {
      waitingSince = undefined;
      yield row;
      waitingSince = Date.now();
    }
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
}

/** Rejects with the signal's reason once it aborts; `work` itself is left to settle on its own. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function* parseRecipients(source: Readable, signal: AbortSignal): AsyncGenerator<RawRecipient> {
  const { delimiter, stream } = await unlessAborted(sniffDelimiter(source), signal);
  const parser = parse({ bom: true, delimiter, skip_empty_lines: true, info: true, max_record_size: MAX_RECORD_BYTES });
  stream.on('error', (err) => parser.destroy(err));
  const onAbort = () => parser.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  // A client that disconnects mid-upload may close the stream without an error; without this
  // the parser would wait forever for the rest of the file, holding the transaction open.
  source.on('close', () => {
    if (!source.readableEnded) parser.destroy(new AppError('invalid_csv', 400, 'Upload ended before the file did'));
  });
  stream.pipe(parser);
  let columns: Columns | undefined;
  let index = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        columns = readHeader(record);
        continue;
      }
      if (record.every((field) => field.trim() === '')) continue;
      yield toRow(record, columns, index++, info.lines);
    }
  } catch (err) {
    throw err instanceof CsvError
      ? new AppError('invalid_csv', 400, `Malformed CSV: ${err.message}`, { cause: err })
      : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.unpipe(parser);
    parser.destroy();
  }
  if (!columns) throw new AppError('invalid_csv', 400, 'CSV is empty: expected a header row with a number column');
}

function readHeader(header: readonly string[]): Columns {
  const names = header.map((name) => name.trim());
  const lower = names.map((name) => name.toLowerCase());
  const repeated = lower.find((name, i) => lower.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new AppError('invalid_csv', 400, `CSV header repeats the column "${repeated}"`, {
      details: { header: names },
    });
  }
  const number = lower.indexOf('number');
  if (number < 0) {
    throw new AppError('invalid_csv', 400, 'CSV header must have a number column: number[,timezone][,data columns…]', {
      details: { header: names },
    });
  }
  const timezone = lower.indexOf('timezone');
  const data = names
    .map((name, position): [string, number] => [name, position])
    .filter(([name, position]) => position !== number && position !== timezone && name !== '');
  return { number, timezone: timezone < 0 ? undefined : timezone, data };
}

function toRow(record: readonly string[], columns: Columns, index: number, line: number): RawRecipient {
  const data: Record<string, unknown> = {};
  for (const [name, position] of columns.data) data[name] = record[position] ?? '';
  return {
    index,
    line,
    number: record[columns.number] ?? '',
    timezone: columns.timezone === undefined ? null : (record[columns.timezone] ?? null),
    data,
  };
}
