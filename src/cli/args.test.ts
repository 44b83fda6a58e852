import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';
import { callWindow } from './call-flags.ts';
import { CliError, describeError, EXIT } from './cli-error.ts';

const usage = 'callcast test';
const spec = { name: 'string', to: 'list', json: 'boolean' } as const;

function usageProblem(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.usage);
    return (err as CliError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, repeated lists, booleans and positionals', () => {
    const parsed = parseArgs(['id-1', '--name=Spring', '--to', 'a', '--to', 'b', '--json'], spec, usage);
    expect(parsed.positionals).toEqual(['id-1']);
    expect(parsed.strings.get('name')).toBe('Spring');
    expect(parsed.lists.get('to')).toEqual(['a', 'b']);
    expect(parsed.booleans.has('json')).toBe(true);
  });

  it('refuses an unknown flag, a missing value and a flag given twice, as usage errors', () => {
    expect(usageProblem(() => parseArgs(['--nmae', 'x'], spec, usage))).toContain('unknown option --nmae');
    expect(usageProblem(() => parseArgs(['--name'], spec, usage))).toContain('--name needs a value');
    expect(usageProblem(() => parseArgs(['--name', '--json'], spec, usage))).toContain('--name needs a value');
    expect(usageProblem(() => parseArgs(['--name', 'a', '--name', 'b'], spec, usage))).toContain('given twice');
    expect(usageProblem(() => parseArgs(['--json=yes'], spec, usage))).toContain('takes no value');
  });
});

describe('callWindow', () => {
  it('turns 9:00-20:00 and a day range or list into the API’s callWindow', () => {
    expect(callWindow('9:00-20:00', undefined, usage)).toEqual({ start: '09:00', end: '20:00' });
    expect(callWindow('09:00-17:30', '1-5', usage)).toEqual({ start: '09:00', end: '17:30', days: [1, 2, 3, 4, 5] });
    expect(callWindow('22:00-06:00', '6,7', usage)).toMatchObject({ days: [6, 7] });
    expect(usageProblem(() => callWindow('9-17', undefined, usage))).toContain('HH:MM-HH:MM');
    expect(usageProblem(() => callWindow('09:00-17:00', '5-1', usage))).toContain('--days');
  });
});

describe('describeError', () => {
  it('prints the code, HTTP status and message, then each offending field with its code', () => {
    const err = new CliError(EXIT.api, 'validation_failed', 'Invalid body: ncco.0.text', {
      httpStatus: 400,
      details: [{ field: 'ncco.0.text', code: 'invalid_type', message: 'Required' }],
    });
    expect(describeError(err)).toBe(
      'error: validation_failed (HTTP 400): Invalid body: ncco.0.text\n  field ncco.0.text: Required [invalid_type]',
    );
  });
});
