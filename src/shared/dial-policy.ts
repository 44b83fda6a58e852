import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AppError } from './errors.ts';
import type { E164 } from './phone-number.ts';

/**
 * What numbers and NCCO `connect` targets a deployment may reach (toll fraud: a campaign whose
 * recipients or connect target are premium-rate numbers earns someone money per minute on our
 * account; a SIP or websocket target sends callee audio off the platform).
 *   number type:  libphonenumber's type of a valid number (MOBILE, FIXED_LINE, PREMIUM_RATE, …);
 *   endpoint type: `phone`, `sip`, `websocket`, `vbc`, `app` of a connect endpoint;
 *   prefix:       the E.164 digits a connected phone number must start with (`31` = the Netherlands).
 */
export interface DialPolicy {
  /** Number types recipients, reminder callees and connect targets may have. */
  numberTypes: readonly string[];
  /** Connect endpoint types allowed. */
  connectTypes: readonly string[];
  /** Connect phone numbers must start with one of these digit strings. */
  connectPrefixes: readonly string[];
}

/** Ordinary subscriber numbers; premium-rate, shared-cost, UAN, personal, pager and unknown types are refused. */
const DEFAULT_NUMBER_TYPES = ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'VOIP', 'TOLL_FREE'] as const;

/** Phone endpoints only, within the region's country calling code: no SIP, websocket or vbc. */
export function defaultDialPolicy(region: string): DialPolicy {
  return { numberTypes: DEFAULT_NUMBER_TYPES, connectTypes: ['phone'], connectPrefixes: [callingCode(region)] };
}

function callingCode(region: string): string {
  try {
    return getCountryCallingCode(region as CountryCode);
  } catch {
    return '';
  }
}

export type NumberTypeProblem = 'premium_rate_number' | 'shared_cost_number' | 'number_type_not_allowed';

/** Why a valid number's type is refused, or undefined when the policy allows it. */
export function numberTypeProblem(number: E164 | string, policy: DialPolicy): NumberTypeProblem | undefined {
  const type = parsePhoneNumberFromString(number)?.getType() ?? 'UNKNOWN';
  if (policy.numberTypes.includes(type)) return undefined;
  if (type === 'PREMIUM_RATE') return 'premium_rate_number';
  if (type === 'SHARED_COST') return 'shared_cost_number';
  return 'number_type_not_allowed';
}

export interface PolicyProblem {
  field: string;
  code: 'connect_not_allowed' | NumberTypeProblem;
  message: string;
}

/**
 * Problems of an NCCO's connect actions under the policy. A `{{placeholder}}` number is checked
 * once rendered (`assertRenderedConnect`); a literal one here, when the campaign is created.
 */
export function connectProblems(ncco: readonly unknown[], policy: DialPolicy, field = 'ncco'): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  ncco.forEach((action, i) => {
    const { action: name, endpoint } = (action ?? {}) as { action?: unknown; endpoint?: unknown };
    if (name !== 'connect' || !Array.isArray(endpoint)) return;
    endpoint.forEach((target, j) => {
      const problem = targetProblem(target as { type?: unknown; number?: unknown }, policy);
      if (problem) problems.push({ field: `${field}[${i}].endpoint[${j}]`, ...problem });
    });
  });
  return problems;
}

function targetProblem(target: { type?: unknown; number?: unknown }, policy: DialPolicy) {
  const type = String(target.type);
  if (!policy.connectTypes.includes(type)) {
    return { code: 'connect_not_allowed' as const, message: `connect to a ${type} endpoint is not allowed here` };
  }
  if (type !== 'phone' || typeof target.number !== 'string' || target.number.includes('{{')) return undefined;
  const digits = target.number;
  if (!policy.connectPrefixes.some((prefix) => digits.startsWith(prefix))) {
    return { code: 'connect_not_allowed' as const, message: `connect to +${digits} is outside the allowed prefixes` };
  }
  const typeProblem = numberTypeProblem(`+${digits}`, policy);
  return typeProblem && { code: typeProblem, message: `connect to +${digits}: this number type is not allowed` };
}

/**
 * The connect actions of `ncco` whose phone number is a `{{placeholder}}`: they can only be
 * checked per recipient, once rendered with its data (recipient intake does). Empty when none.
 */
export function placeholderConnects(ncco: readonly unknown[] | null | undefined): unknown[] {
  return (ncco ?? []).filter((action) => {
    const { action: name, endpoint } = (action ?? {}) as { action?: unknown; endpoint?: unknown };
    return name === 'connect' && JSON.stringify(endpoint ?? null).includes('{{');
  });
}

/** Throws 400 with the first problem's code (`connect_not_allowed`, `premium_rate_number`, …), listing each. */
export function assertConnectAllowed(ncco: readonly unknown[] | null | undefined, policy: DialPolicy): void {
  const problems = ncco ? connectProblems(ncco, policy) : [];
  const first = problems[0];
  if (!first) return;
  throw new AppError(first.code, 400, `Invalid body: ${first.field}: ${first.message}`, { details: problems });
}

/** Throws 400 with the number type's own code when `number` (the body's `field`) is not allowed. */
export function assertNumberTypeAllowed(number: E164 | string, policy: DialPolicy, field: string): void {
  const code = numberTypeProblem(number, policy);
  if (!code) return;
  throw new AppError(code, 400, `Invalid body: ${field}: ${number} is a number type this service does not call`, {
    details: [{ field, code, message: 'number type not allowed' }],
  });
}

/** The operator's policy from config (ALLOWED_NUMBER_TYPES, CONNECT_*), defaults filled from the region. */
export function dialPolicyFor(config: {
  defaultRegion: string;
  dialPolicy: {
    numberTypes: readonly string[];
    connectTypes: readonly string[];
    connectPrefixes?: readonly string[] | undefined;
  };
}): DialPolicy {
  const { numberTypes, connectTypes, connectPrefixes } = config.dialPolicy;
  return {
    numberTypes,
    connectTypes,
    connectPrefixes: connectPrefixes ?? defaultDialPolicy(config.defaultRegion).connectPrefixes,
  };
}
