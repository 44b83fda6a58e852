import { describe, expect, it } from 'vitest';
import { csvCell } from './recipient-csv.ts';

describe('csvCell', () => {
  it('leaves plain values alone', () => {
    expect(csvCell('+31612345678')).toBe('+31612345678');
  });

  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
  });
});
