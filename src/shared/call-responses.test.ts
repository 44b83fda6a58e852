import { describe, expect, it } from 'vitest';
import { callResponsesSchema, matchAnswer } from './call-responses.ts';

const responses = callResponsesSchema.parse({
  '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'Thanks {{name}}' }] },
  '2': { label: 'cancelled', keywords: ['cancel', 'no'] },
  '9': { label: 'opt_out', optOut: true },
  yes: { label: 'confirmed', keywords: ['yes', 'ja graag'] },
  timeout: { label: 'no_answer' },
  other: {},
});

describe('matchAnswer', () => {
  it('maps pressed digits to their label, reply and opt-out', () => {
    expect(matchAnswer(responses, { digits: '1', timedOut: false, speech: [] })).toMatchObject({
      key: '1',
      label: 'confirmed',
      optOut: false,
    });
    expect(matchAnswer(responses, { digits: '9', timedOut: false, speech: [] })).toMatchObject({ optOut: true });
  });

  it('maps unknown digits to other (label defaults to the key) and silence to timeout', () => {
    expect(matchAnswer(responses, { digits: '7', timedOut: false, speech: [] })).toMatchObject({ label: 'other' });
    expect(matchAnswer(responses, { digits: null, timedOut: true, speech: [] })).toMatchObject({ label: 'no_answer' });
  });

  it('maps speech to the first hypothesis that holds a keyword as a whole word', () => {
    const result = matchAnswer(responses, {
      digits: null,
      timedOut: false,
      speech: [
        { text: 'nobody', confidence: 0.9 },
        { text: 'Ja graag!', confidence: 0.7 },
      ],
    });
    expect(result).toMatchObject({ key: 'yes', label: 'confirmed', speechText: 'Ja graag!', confidence: 0.7 });
  });

  it('has no label without responses', () => {
    expect(matchAnswer(null, { digits: '1', timedOut: false, speech: [] }).label).toBeNull();
  });
});

describe('callResponsesSchema', () => {
  it('refuses a speech-only answer without keywords, a menu key without label, and a bad reply NCCO, naming the key', () => {
    const paths = (value: unknown) =>
      callResponsesSchema.safeParse(value).error?.issues.map((issue) => issue.path.join('.')) ?? [];
    expect(paths({ maybe: { label: 'x' } })).toEqual(['maybe']);
    expect(paths({ '1': {} })).toEqual(['1.label']);
    expect(paths({ timeout: {} })).toEqual([]);
    expect(paths({ '3': { label: 'y', ncco: [{ action: 'dance' }] } }).some((path) => path.startsWith('3.ncco'))).toBe(
      true,
    );
  });
});
