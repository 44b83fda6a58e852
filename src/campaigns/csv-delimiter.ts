import { Readable } from 'node:stream';

/**
 * Spreadsheets export "CSV" with the list separator of their locale: Dutch Excel writes `;`.
 * The header row decides: whichever of `,` `;` or a tab it holds most (outside quotes) is the
 * delimiter for the whole file. Only the header is buffered; the rest streams on untouched.
 */
const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

// A header longer than this is not a header; stop looking and fall back to the comma.
const MAX_HEADER_BYTES = 64 * 1024;

export async function sniffDelimiter(source: Readable): Promise<{ delimiter: CsvDelimiter; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < MAX_HEADER_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
    if (chunk.includes(0x0a)) break;
  }
  const buffered = Buffer.concat(head);
  const delimiter = delimiterOf(firstLine(buffered.toString('utf8')));
  async function* replay(): AsyncGenerator<Buffer> {
    if (buffered.length > 0) yield buffered;
    while (!done) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value);
    }
  }
  return { delimiter, stream: Readable.from(replay(), { objectMode: false }) };
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function delimiterOf(header: string): CsvDelimiter {
  const unquoted = header.replace(/"[^"]*"/g, '');
  let best: CsvDelimiter = ',';
  let bestCount = 0;
  for (const candidate of CSV_DELIMITERS) {
    const count = unquoted.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
