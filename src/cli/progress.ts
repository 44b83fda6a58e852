import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';

/** One look at a campaign: when, how many attempts left the queue, how many recipients finished. */
export interface WatchSample {
  atMs: number;
  dialed: number;
  finished: number;
  total: number;
}

export interface Rates {
  /** Attempts dialed per second over the window; null until two samples exist. */
  callsPerSecond: number | null;
  /** Seconds until every recipient is finished at the window's pace; null when nothing moves. */
  etaSeconds: number | null;
}

// Calls/s and ETA over the last 10 s: short enough to follow a pause, long enough to smooth
// the bursts a 1 s limiter window makes.
const RATE_WINDOW_MS = 10_000;

/** Recent samples and the rates they imply. */
export class RateWindow {
  private samples: WatchSample[] = [];

  add(sample: WatchSample): Rates {
    this.samples.push(sample);
    const first = this.samples.findIndex((s) => sample.atMs - s.atMs <= RATE_WINDOW_MS);
    this.samples = this.samples.slice(Math.max(0, Math.min(first, this.samples.length - 2)));
    const oldest = this.samples[0] as WatchSample;
    const seconds = (sample.atMs - oldest.atMs) / 1000;
    if (this.samples.length < 2 || seconds <= 0) return { callsPerSecond: null, etaSeconds: null };
    const finishing = (sample.finished - oldest.finished) / seconds;
    const remaining = sample.total - sample.finished;
    return {
      callsPerSecond: Math.max(0, (sample.dialed - oldest.dialed) / seconds),
      etaSeconds: remaining === 0 ? 0 : finishing > 0 ? remaining / finishing : null,
    };
  }
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export interface UploadProgress {
  bytes: number;
  /** Lines read so far after the header (a quoted value with a line break counts twice). */
  rows: number;
}

/**
 * The file as a web stream that counts what has been read. fetch pulls the next chunk only as
 * the previous one is sent, so the counts follow what has left, not what sits in a buffer.
 */
export function countingFileStream(
  path: string,
  onChunk: (progress: UploadProgress) => void,
): ReadableStream<Uint8Array> {
  const progress: UploadProgress = { bytes: 0, rows: 0 };
  let newlines = 0;
  let lastByte = 10;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
        progress.bytes += chunk.length;
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) newlines++;
        lastByte = chunk.at(-1) ?? lastByte;
        progress.rows = Math.max(0, newlines - 1 + (lastByte === 10 ? 0 : 1));
        onChunk(progress);
        yield chunk;
      }
    })(),
  );
  return Readable.toWeb(counted) as ReadableStream<Uint8Array>;
}

/** A bytes-and-rows bar on stderr when it is a terminal; silent otherwise (the result says it all). */
export function uploadBar(totalBytes: number, tty: boolean): { update(p: UploadProgress): void; stop(): void } {
  if (!tty) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: 'upload   {bar} {percentage}% | {sent} of {size} | {rows} rows',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(totalBytes, 1), 0, { sent: formatBytes(0), size: formatBytes(totalBytes), rows: 0 });
  return {
    update: (p) => bar.update(p.bytes, { sent: formatBytes(p.bytes), rows: p.rows }),
    stop: () => bar.stop(),
  };
}
