import { describe, expect, it } from 'vitest';
import { NCCO_MAX_ACTIONS, nccoSchema } from './ncco.ts';

describe('nccoSchema', () => {
  it('accepts a typical campaign script with placeholders in free text', () => {
    const ncco = [
      { action: 'talk', text: 'Hallo {{name}}, uw afspraak is op {{date}}.', language: 'nl-NL', bargeIn: true },
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5 }, eventUrl: ['{{base}}/input'] },
      { action: 'record', format: 'mp3', endOnKey: '#', timeOut: 60 },
      { action: 'connect', from: '31201234567', endpoint: [{ type: 'phone', number: '{{agent}}' }] },
      { action: 'notify', payload: { step: 'done' }, eventUrl: ['https://example.com/n'] },
      { action: 'stream', streamUrl: ['https://example.com/a.mp3'], level: 0.5 },
      { action: 'conversation', name: 'room-{{id}}', startOnEnter: true },
    ];
    expect(nccoSchema.safeParse(ncco).success).toBe(true);
  });

  it('rejects an empty NCCO and one longer than the cap', () => {
    expect(nccoSchema.safeParse([]).success).toBe(false);
    const long = Array.from({ length: NCCO_MAX_ACTIONS + 1 }, () => ({ action: 'talk', text: 'x' }));
    expect(nccoSchema.safeParse(long).success).toBe(false);
  });

  it('rejects unknown actions, misspelt keys and out-of-range numbers', () => {
    expect(nccoSchema.safeParse([{ action: 'dance' }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'talk', text: 'hi', bargein: true }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'talk', text: 'hi', level: 2 }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'record', format: 'flac' }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'input', dtmf: { maxDigits: 21 } }]).success).toBe(false);
  });

  it('requires the fields Vonage requires', () => {
    expect(nccoSchema.safeParse([{ action: 'talk' }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'stream' }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'conversation' }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'notify', payload: {} }]).success).toBe(false);
    expect(nccoSchema.safeParse([{ action: 'connect', endpoint: [] }]).success).toBe(false);
  });

  it('rejects phone numbers with a plus sign in connect endpoints', () => {
    const ncco = [{ action: 'connect', endpoint: [{ type: 'phone', number: '+31612345678' }] }];
    expect(nccoSchema.safeParse(ncco).success).toBe(false);
  });
});
