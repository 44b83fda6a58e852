import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';

export interface ProcessMemory {
  /** Resident set size now, in MiB. */
  rssMb: number;
  /** Peak resident set size over the process's life (the kernel's VmHWM), in MiB. */
  peakRssMb: number;
}

/** Reads /proc/<pid>/status; undefined once the process is gone. */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssMb: mib(kb('VmRSS') * 1024), peakRssMb: mib(kb('VmHWM') * 1024) };
}

/**
 * Keeps the highest RSS seen; VmHWM already holds the true peak, sampling adds a time series
 * guard in case the process exits before the final read.
 */
export function sampleMemory(pid: number, intervalMs = 250): { stop(): Promise<ProcessMemory> } {
  let peak: ProcessMemory = { rssMb: 0, peakRssMb: 0 };
  const take = async () => {
    const now = await processMemory(pid);
    if (now) peak = { rssMb: now.rssMb, peakRssMb: Math.max(peak.peakRssMb, now.peakRssMb, now.rssMb) };
  };
  const timer = setInterval(() => void take(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await take();
      return peak;
    },
  };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return undefined;
  }
}

export interface RedisMemory {
  usedMemoryMb: number;
  /** Keys under the benchmark's prefix. */
  keys: number;
}

export async function redisMemory(redisUrl: string, prefix: string): Promise<RedisMemory> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const info = await redis.info('memory');
    const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
    let keys = 0;
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys += batch.length;
    } while (cursor !== '0');
    return { usedMemoryMb: mib(used), keys };
  } finally {
    redis.disconnect();
  }
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/** Jiffies the whole machine spent busy and in total, from /proc/stat; diff two reads for a share. */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/** Share of all cores busy between two reads (0–1). */
export function busyShare(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after.busy - before.busy) / total) * 100) / 100 : 0;
}
