import { describe, expect, it } from 'vitest';
import { parseInputs } from './input-env.ts';

describe('SIMULATOR_INPUTS', () => {
  it('maps number suffixes to key presses, speech and silence, with * as the default', () => {
    expect(parseInputs('1=dtmf:1, 23=dtmf:2#,3=timeout,4=speech:yes please,*=dtmf:9')).toEqual({
      byNumber: { '1': { dtmf: '1' }, '23': { dtmf: '2#' }, '3': { timeout: true }, '4': { speech: 'yes please' } },
      fallback: { dtmf: '9' },
    });
  });

  it('refuses an entry it cannot read, naming it', () => {
    expect(() => parseInputs('1=press:1')).toThrow(/1=press:1/);
  });
});
