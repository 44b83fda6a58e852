import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * Distinct, valid Dutch mobile numbers: +31 6 followed by eight digits. `offset` keeps several
 * files of one run apart. Up to 100M numbers fit the eight digits.
 */
export function benchNumber(index: number): string {
  return `+316${String(10_000_000 + index).padStart(8, '0')}`;
}

/** The simulator logs numbers as digits only. */
export function digits(number: string): string {
  return number.replace(/\D/g, '');
}

/** Writes `rows` recipients as CSV (`number,name`), honouring backpressure. Returns bytes written. */
export async function writeRecipientsCsv(file: string, rows: number, offset = 0): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (line: string) => {
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('number,name\n');
  // Lines are batched per write: one write per row would make generation slower than the upload.
  const batch = 1000;
  for (let start = 0; start < rows; start += batch) {
    let chunk = '';
    for (let i = start; i < Math.min(rows, start + batch); i++) chunk += `${benchNumber(offset + i)},Guest ${i}\n`;
    await write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
