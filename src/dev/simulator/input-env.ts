import { AppError } from '../../shared/errors.ts';
import type { SimInput } from './options.ts';

/**
 * SIMULATOR_INPUTS: what callees answer `input` actions with, by number suffix, e.g.
 * `1=dtmf:1,2=dtmf:2,3=timeout,4=speech:yes please` (numbers ending in 1 press 1, … in 4 say
 * "yes please"). A suffix `*` sets the default for every other number.
 */
export function parseInputs(text: string): { byNumber: Record<string, SimInput>; fallback?: SimInput } {
  const byNumber: Record<string, SimInput> = {};
  let fallback: SimInput | undefined;
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [suffix, spec] = [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)];
    const input = parseSpec(spec);
    if (!input || !(suffix === '*' || /^\d+$/.test(suffix))) {
      throw new AppError(
        'config_invalid',
        500,
        `SIMULATOR_INPUTS: bad entry "${part}" (<digits>=dtmf:<keys>|speech:<text>|timeout)`,
      );
    }
    if (suffix === '*') fallback = input;
    else byNumber[suffix] = input;
  }
  return { byNumber, fallback };
}

function parseSpec(spec: string): SimInput | undefined {
  if (spec === 'timeout') return { timeout: true };
  if (spec.startsWith('dtmf:') && /^[0-9*#]{1,20}$/.test(spec.slice(5))) return { dtmf: spec.slice(5) };
  if (spec.startsWith('speech:') && spec.length > 7) return { speech: spec.slice(7) };
  return undefined;
}
