import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/** A validated phone number in E.164 (`+31612345678`). Only this type reaches the gateway client. */
export const e164Schema = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/)
  .brand<'E164'>();
export type E164 = z.infer<typeof e164Schema>;

export type NumberProblem = 'invalid_number' | 'number_not_possible';

/**
 * Normalizes what a user typed (`06 1234 5678`, `+31 6…`, `0031…`) to E.164, assuming
 * `defaultRegion` when there is no country code. Returns a stable problem code otherwise.
 */
export function toE164(
  input: string,
  defaultRegion: string,
): { ok: true; number: E164 } | { ok: false; problem: NumberProblem } {
  const trimmed = input.trim().replace(/^00(?=[1-9])/, '+');
  if (!/^\+?[\d\s().\-/]{5,40}$/.test(trimmed)) return { ok: false, problem: 'invalid_number' };
  const parsed = parsePhoneNumberFromString(trimmed, defaultRegion as CountryCode);
  if (!parsed) return { ok: false, problem: 'invalid_number' };
  if (!parsed.isValid()) return { ok: false, problem: parsed.isPossible() ? 'invalid_number' : 'number_not_possible' };
  return { ok: true, number: parsed.number as E164 };
}

/** The gateway wants digits only: no `+`, no `00` (docs/gateway-facts.md §1). */
export function toGatewayDigits(number: E164): string {
  return number.slice(1);
}
