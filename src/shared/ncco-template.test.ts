import { describe, expect, it } from 'vitest';
import { placeholdersOf, renderNcco } from './ncco-template.ts';

describe('renderNcco', () => {
  const template = [{ action: 'talk', text: 'Hello {{ name }}, your slot is {{slot}}.', language: 'nl-NL' }];

  it('fills placeholders from the recipient data', () => {
    expect(renderNcco(template, { name: 'Ann', slot: '10:00' })).toEqual([
      { action: 'talk', text: 'Hello Ann, your slot is 10:00.', language: 'nl-NL' },
    ]);
  });

  it('renders a missing value as empty and leaves the template untouched', () => {
    expect(renderNcco(template, {})[0]).toMatchObject({ text: 'Hello , your slot is .' });
    expect(template[0]?.text).toContain('{{ name }}');
  });

  it('lists the placeholders a template uses', () => {
    expect(placeholdersOf(template).sort()).toEqual(['name', 'slot']);
  });
});
