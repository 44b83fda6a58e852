import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, RateWindow } from './progress.ts';

describe('RateWindow', () => {
  it('has no rate until a second sample, then dialed per second and ETA at the finishing pace', () => {
    const window = new RateWindow();
    expect(window.add({ atMs: 0, dialed: 0, finished: 0, total: 100 })).toEqual({
      callsPerSecond: null,
      etaSeconds: null,
    });
    const rates = window.add({ atMs: 2000, dialed: 6, finished: 4, total: 100 });
    expect(rates.callsPerSecond).toBe(3);
    expect(rates.etaSeconds).toBe(48); // 96 left at 2 finished per second
  });

  it('forgets samples older than 10 s, so a pause shows as 0 calls/s and no ETA', () => {
    const window = new RateWindow();
    window.add({ atMs: 0, dialed: 0, finished: 0, total: 100 });
    window.add({ atMs: 5000, dialed: 15, finished: 10, total: 100 });
    window.add({ atMs: 16_000, dialed: 15, finished: 10, total: 100 });
    const paused = window.add({ atMs: 17_000, dialed: 15, finished: 10, total: 100 });
    expect(paused).toEqual({ callsPerSecond: 0, etaSeconds: null });
  });

  it('says 0 s left once every recipient is finished', () => {
    const window = new RateWindow();
    window.add({ atMs: 0, dialed: 9, finished: 9, total: 10 });
    expect(window.add({ atMs: 1000, dialed: 10, finished: 10, total: 10 }).etaSeconds).toBe(0);
  });
});

describe('formatting', () => {
  it('writes durations as s, m+s and h+m, and – for unknown', () => {
    expect([formatDuration(null), formatDuration(42.4), formatDuration(125), formatDuration(7300)]).toEqual([
      '–',
      '42s',
      '2m05s',
      '2h01m',
    ]);
  });

  it('writes sizes in B, KiB and MiB', () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(5 * 1024 * 1024)]).toEqual([
      '512 B',
      '2.0 KiB',
      '5.0 MiB',
    ]);
  });
});
