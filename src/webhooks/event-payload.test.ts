import { describe, expect, it } from 'vitest';
import { parseEvent } from './event-payload.ts';

describe('parseEvent', () => {
  it('reads duration, rate and price given as strings or numbers', () => {
    const fromStrings = parseEvent({
      uuid: 'u1',
      status: 'completed',
      timestamp: 't',
      duration: '37',
      price: '0.111',
      rate: '0.18',
    });
    const fromNumbers = parseEvent({
      uuid: 'u1',
      status: 'completed',
      timestamp: 't',
      duration: 37,
      price: 0.111,
      rate: 0.18,
    });
    for (const parsed of [fromStrings, fromNumbers]) {
      expect(parsed).toMatchObject({ durationSeconds: 37, price: '0.111', rate: '0.18' });
    }
  });

  it('takes the leg from call_uuid on machine-detection events', () => {
    const parsed = parseEvent({
      call_uuid: 'leg',
      status: 'machine',
      timestamp: '2026-01-01T10:00:00.000Z',
      sub_state: 'beep_start',
    });
    expect(parsed).toMatchObject({
      callUuid: 'leg',
      detail: 'beep_start',
      dedupeKey: 'leg|machine|2026-01-01T10:00:00.000Z',
    });
  });

  it('keys repeats of an event without a natural key by its content, whatever the field order', () => {
    const a = parseEvent({ reason: 'bad NCCO', conversation_uuid: 'CON-1' });
    const b = parseEvent({ conversation_uuid: 'CON-1', reason: 'bad NCCO' });
    expect(a.dedupeKey).toMatch(/^sha256:/);
    expect(a.dedupeKey).toBe(b.dedupeKey);
  });

  it('reads call-record times (YYYY-MM-DD HH:MM:SS, UTC) and ISO times; junk becomes null', () => {
    const parsed = parseEvent({
      status: 'completed',
      start_time: '2026-01-01 10:00:03',
      end_time: 'soon',
      duration: 'n/a',
    });
    expect(parsed.startTime?.toISOString()).toBe('2026-01-01T10:00:03.000Z');
    expect(parsed.endTime).toBeNull();
    expect(parsed.durationSeconds).toBeNull();
  });

  it('keeps unknown fields in the stored payload', () => {
    expect(parseEvent({ status: 'ringing', custom: { a: 1 } }).payload).toEqual({
      status: 'ringing',
      custom: { a: 1 },
    });
  });

  it('refuses non-objects and events with neither status nor reason', () => {
    expect(() => parseEvent([1])).toThrow(/JSON object/);
    expect(() => parseEvent('completed')).toThrow(/JSON object/);
    expect(() => parseEvent({ uuid: 'u' })).toThrow(/status/);
    expect(() => parseEvent({ status: 7 })).toThrow(/status/);
  });
});
