import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NCCO_MAX_ACTIONS, nccoSchema } from '../src/shared/ncco.ts';
import { e164Schema, toE164 } from '../src/shared/phone-number.ts';

/** Dutch mobile numbers (+31 6 then 8 digits) that libphonenumber calls valid; not every block is assigned. */
const dutchMobile = fc
  .stringMatching(/^[1-9]\d{7}$/)
  .map((rest) => `+316${rest}`)
  .filter((number) => toE164(number, 'NL').ok);
const regions = fc.constantFrom('NL', 'DE', 'BE', 'GB', 'US', 'FR');

/** Ways people write the same Dutch mobile number. */
function spellings(e164: string): fc.Arbitrary<string> {
  const subscriber = e164.slice(4); // 8 digits after +316
  const pieces = [subscriber.slice(0, 2), subscriber.slice(2, 4), subscriber.slice(4, 6), subscriber.slice(6)];
  const separator = fc.constantFrom('', ' ', '-', '.', '  ');
  return fc
    .tuple(
      fc.constantFrom('06', '+316', '00316', '+31 6', '0031 6', '(06)', '+31-6'),
      fc.array(separator, { minLength: 4, maxLength: 4 }),
      fc.constantFrom('', ' ', '\t', '  '),
    )
    .map(([prefix, seps, pad]) => `${pad}${prefix}${pieces.map((p, i) => `${seps[i]}${p}`).join('')}${pad}`);
}

describe('toE164 (property)', () => {
  it('never throws, and every success is a branded E.164 string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), regions, (input, region) => {
        const result = toE164(input, region);
        if (result.ok) expect(e164Schema.safeParse(result.number).success).toBe(true);
        else expect(['invalid_number', 'number_not_possible']).toContain(result.problem);
      }),
      { numRuns: 500 },
    );
  });

  it('digit-heavy input: a success is always + and 7–15 digits, nothing else survives', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[+0-9 ()\-./]{0,30}$/), regions, (input, region) => {
        const result = toE164(input, region);
        if (result.ok) expect(result.number).toMatch(/^\+[1-9]\d{6,14}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('all common spellings of one Dutch mobile number normalize to the same E.164 with region NL', () => {
    fc.assert(
      fc.property(
        dutchMobile.chain((number) => fc.tuple(fc.constant(number), spellings(number))),
        ([number, spelled]) => {
          expect(toE164(spelled, 'NL')).toEqual({ ok: true, number });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is idempotent and region-independent once a number is in E.164', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), regions, regions, (input, first, second) => {
        const once = toE164(input, first);
        if (!once.ok) return;
        expect(toE164(once.number, first)).toEqual(once);
        expect(toE164(once.number, second)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('letters, injection-shaped text and over-long input are refused, never half-parsed', () => {
    const junk = fc.oneof(
      fc.constantFrom("+31612345678'; drop table recipients;--", '+31612345678<script>', '+3161234567８'),
      fc.stringMatching(/^\+316\d{8}[a-zA-Z;'"<>]+$/),
      fc.stringMatching(/^\d{41,60}$/),
    );
    fc.assert(
      fc.property(junk, regions, (input, region) => {
        expect(toE164(input, region).ok).toBe(false);
      }),
    );
  });
});

const placeholder = fc.stringMatching(/^[a-z]{1,8}$/).map((name) => `{{${name}}}`);
const talk = fc.record(
  {
    action: fc.constant('talk' as const),
    text: fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), placeholder),
    bargeIn: fc.boolean(),
    loop: fc.nat(10),
    level: fc.double({ min: -1, max: 1, noNaN: true }),
    language: fc.constantFrom('nl-NL', 'en-GB', 'de-DE', 'fr'),
    style: fc.nat(5),
    premium: fc.boolean(),
  },
  { requiredKeys: ['action', 'text'] },
);
const stream = fc.record(
  {
    action: fc.constant('stream' as const),
    streamUrl: fc.webUrl().map((url) => [url]),
    level: fc.double({ min: -1, max: 1, noNaN: true }),
    bargeIn: fc.boolean(),
    loop: fc.nat(10),
  },
  { requiredKeys: ['action', 'streamUrl'] },
);
const input = fc.record(
  {
    action: fc.constant('input' as const),
    type: fc.constantFrom(['dtmf'], ['speech'], ['dtmf', 'speech']),
    dtmf: fc.record(
      {
        timeOut: fc.integer({ min: 0, max: 10 }),
        maxDigits: fc.integer({ min: 1, max: 20 }),
        submitOnHash: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    eventUrl: fc.webUrl().map((url) => [url]),
    eventMethod: fc.constantFrom('GET', 'POST'),
  },
  { requiredKeys: ['action'] },
);
const connect = fc.record(
  {
    action: fc.constant('connect' as const),
    endpoint: fc.oneof(fc.stringMatching(/^[1-9]\d{6,14}$/), placeholder).map((number) => [{ type: 'phone', number }]),
    timeout: fc.integer({ min: 0, max: 120 }),
    machineDetection: fc.constantFrom('continue', 'hangup'),
  },
  { requiredKeys: ['action', 'endpoint'] },
);
const validAction = fc.oneof(talk, stream, input, connect);
const validNcco = fc.array(validAction, { minLength: 1, maxLength: NCCO_MAX_ACTIONS });

describe('nccoSchema (property)', () => {
  it('accepts generated valid NCCOs and returns them unchanged', () => {
    fc.assert(
      fc.property(validNcco, (ncco) => {
        const parsed = nccoSchema.safeParse(ncco);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        expect(parsed.data).toEqual(ncco);
      }),
      { numRuns: 300 },
    );
  });

  it('an unknown key anywhere at action level is rejected (typos never reach the gateway)', () => {
    const key = fc.stringMatching(/^[a-zA-Z]{3,12}$/);
    fc.assert(
      fc.property(validNcco, fc.nat(), key, fc.jsonValue(), (ncco, at, name, value) => {
        const index = at % ncco.length;
        const action = ncco[index] as Record<string, unknown>;
        fc.pre(!(name in action) && !KNOWN_KEYS.has(name));
        const broken = ncco.map((a, i) => (i === index ? { ...a, [name]: value } : a));
        expect(nccoSchema.safeParse(broken).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('out-of-range numbers, unknown actions, empty and over-long NCCOs are rejected', () => {
    const breakers: fc.Arbitrary<(ncco: unknown[]) => unknown> = fc.oneof(
      fc
        .double({ min: 1.0001, max: 1e6, noNaN: true })
        .map((level) => (ncco: unknown[]) => [{ action: 'talk', text: 'x', level }, ...ncco]),
      fc
        .integer({ min: 121, max: 10_000 })
        .map((timeout) => (ncco: unknown[]) => [
          ...ncco,
          { action: 'connect', endpoint: [{ type: 'phone', number: '31612345678' }], timeout },
        ]),
      fc.stringMatching(/^[a-z]{3,10}$/).map((name) => (ncco: unknown[]) => [...ncco, { action: `x${name}` }]),
      fc.constant(() => []),
      fc.constant((ncco: unknown[]) => Array.from({ length: NCCO_MAX_ACTIONS + 1 }, () => ncco[0])),
      fc.constant((ncco: unknown[]) => [...ncco, { action: 'talk', text: '' }]),
      fc.constant((ncco: unknown[]) => [...ncco, { action: 'talk', text: 'x'.repeat(3001) }]),
    );
    fc.assert(
      fc.property(validNcco, breakers, (ncco, breaker) => {
        expect(nccoSchema.safeParse(breaker(ncco)).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary JSON never throws: it is either a valid NCCO or a list of issues', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const parsed = nccoSchema.safeParse(value);
        if (!parsed.success) expect(parsed.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

/** Every key some NCCO action accepts: adding one of these may be valid, so the typo property skips them. */
const KNOWN_KEYS = new Set(
  'action text bargeIn loop level language style premium voiceName streamUrl type dtmf speech timeOut maxDigits submitOnHash eventUrl eventMethod format split channels endOnSilence endOnKey beepStart transcription name musicOnHoldUrl startOnEnter endOnExit record canSpeak canHear mute endpoint from randomFromNumber eventType timeout limit machineDetection advancedMachineDetection ringbackTone payload'.split(
    ' ',
  ),
);
