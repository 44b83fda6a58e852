import { z } from 'zod';
import { GATEWAY_PROFILES, PROFILE_SETTINGS } from './profiles.ts';

/**
 * How a simulated call ends:
 *   answered – started → ringing → answered → completed (with duration and price)
 *   machine  – like answered, plus a `machine` event when the call asked for machine detection
 *   busy | unanswered | timeout | failed – started → ringing → <status> → completed
 *   rejected – started → rejected, and nothing after (Vonage sends no `completed` then)
 */
export const SIMULATED_OUTCOMES = [
  'answered',
  'machine',
  'busy',
  'unanswered',
  'timeout',
  'failed',
  'rejected',
] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number];

const share = z.number().min(0).max(1);

/** What a simulated callee answers an `input` action with: keys, words, or nothing. */
const simInputSchema = z.union([
  z.strictObject({ dtmf: z.string().regex(/^[0-9*#]{1,20}$/) }),
  z.strictObject({ speech: z.string().min(1).max(500), confidence: z.number().min(0).max(1).optional() }),
  z.strictObject({ timeout: z.literal(true) }),
]);
export type SimInput = z.infer<typeof simInputSchema>;
const outcome = z.enum(SIMULATED_OUTCOMES);
const delayRange = z
  .strictObject({ min: z.number().int().min(0).max(60_000), max: z.number().int().min(0).max(60_000) })
  .refine((range) => range.max >= range.min, { message: 'max must be at least min', path: ['max'] });

/** Everything the simulator can be told; every field has a default in `DEFAULT_SIMULATOR_OPTIONS`. */
const simulatorOptionsSchema = z.strictObject({
  host: z.string().min(1),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65_535),
  /** The only client credentials the token endpoint accepts. */
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Seconds an access token lives (KPN: 3599). */
  tokenLifetimeSeconds: z.number().positive(),
  /** Token endpoint answers 503 while true. */
  tokenEndpointDown: z.boolean(),
  /** Create-call requests accepted per rolling second; more get 429 (Vonage: 3). */
  callsPerSecond: z.number().int().min(1),
  /**
   * The gateway profile last applied (profiles.ts); giving `profile` in a patch sets `oneWayMs`,
   * `answerMs` and `counter` from it, and fields given alongside override it.
   */
  profile: z.enum([...GATEWAY_PROFILES, 'custom']),
  /** One-way time from the simulator's socket to the rate counter, drawn per request, in ms. */
  oneWayMs: delayRange,
  /** Time from arrival at the counter to the answer, drawn per request, in ms. */
  answerMs: delayRange,
  /** `rolling`: N per rolling second (Vonage); `smoothing`: one per 1000/N ms (Apigee SpikeArrest). */
  counter: z.enum(['rolling', 'smoothing']),
  /** API requests allowed per quota window (KPN's Apigee quota). */
  quotaLimit: z.number().int().min(1),
  /** Length of the quota window in ms; `quota-reset-UTC` names its end. */
  quotaWindowMs: z.number().int().min(1000),
  /** How `quota-reset-UTC` is written: the format is undocumented, so the client must cope with both. */
  quotaResetFormat: z.enum(['epoch-ms', 'iso']),
  /** When set, 429s carry `Retry-After` in seconds (the real gateway sends none). */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** Relative weights of outcomes for calls without a per-number override. */
  outcomes: z.partialRecord(outcome, z.number().min(0)),
  /**
   * Answers to `input` actions by called-number suffix (digits; the longest matching suffix wins,
   * so "1" means every number ending in 1); a list answers the 1st, 2nd, … input of a call.
   */
  inputsByNumber: z.record(z.string().regex(/^\d+$/), z.union([simInputSchema, z.array(simInputSchema).min(1)])),
  /** The answer of numbers no `inputsByNumber` suffix matches. */
  defaultInput: simInputSchema,
  /** A recording older than this answers 410 Gone (Vonage deletes recordings after a while). */
  recordingTtlMs: z.number().int().min(0),
  /** Outcome by called number (digits only), overriding the mix. */
  outcomesByNumber: z.record(z.string().regex(/^\d+$/), outcome),
  /** Multiplies every realistic delay (ringing, answer, talk time): 0.01 makes a 30 s call last 0.3 s. */
  timeScale: z.number().min(0).max(100),
  /** How duration/rate/price are written in events: the docs show both. */
  numericStyle: z.enum(['string', 'number', 'mixed']),
  /** When set, callbacks carry `Authorization: Bearer <HS256 JWT>` signed with it, like Vonage. */
  signatureSecret: z.string().min(1).optional(),
  apiKey: z.string().min(1),
  /** Share of events delivered twice. */
  duplicateShare: share,
  /** Share of calls where two neighbouring events are delivered in swapped order. */
  outOfOrderShare: share,
  /** Share of API requests answered with a 5xx (no call is created). */
  serverErrorShare: share,
  /** Share of create-call requests whose connection is dropped after the call was created. */
  dropShare: share,
  /** Added before every API response, in ms, after the counter (a legacy knob; see `answerMs`). */
  latencyMs: z.number().int().min(0).max(60_000),
  /** The next this-many create-call requests get 429, whatever the rate. */
  burst429: z.number().int().min(0),
  /** The next this-many API requests get 401, whatever the token. */
  unauthorizedCount: z.number().int().min(0),
  /** Fetch `answer_url` when a call is answered and log the NCCO. */
  fetchAnswerUrl: z.boolean(),
  /** Seed for the outcome/fault dice, so a run can be repeated. */
  seed: z.number().int(),
  /** Oldest log entries are dropped beyond this many, to bound memory in long benchmarks. */
  maxLogEntries: z.number().int().min(100),
});

export type SimulatorOptions = z.infer<typeof simulatorOptionsSchema>;

export const DEFAULT_SIMULATOR_OPTIONS: SimulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  clientId: 'demo-client',
  clientSecret: 'demo-secret',
  tokenLifetimeSeconds: 3599,
  tokenEndpointDown: false,
  callsPerSecond: 3,
  profile: 'loopback',
  ...PROFILE_SETTINGS.loopback,
  quotaLimit: 1_000_000,
  quotaWindowMs: 30 * 24 * 3600 * 1000,
  quotaResetFormat: 'epoch-ms',
  outcomes: { answered: 70, machine: 5, busy: 8, unanswered: 7, timeout: 4, failed: 3, rejected: 3 },
  outcomesByNumber: {},
  inputsByNumber: {},
  defaultInput: { dtmf: '1' },
  recordingTtlMs: 24 * 3600 * 1000,
  timeScale: 1,
  numericStyle: 'mixed',
  apiKey: 'simkey01',
  duplicateShare: 0,
  outOfOrderShare: 0,
  serverErrorShare: 0,
  dropShare: 0,
  latencyMs: 0,
  burst429: 0,
  unauthorizedCount: 0,
  fetchAnswerUrl: true,
  seed: 1,
  maxLogEntries: 100_000,
};

/**
 * Applies partial options (from `configure()` or `POST /_simulator/config`). A key given as
 * `undefined` or `null` (JSON has no undefined) clears an optional setting such as `signatureSecret`.
 */
export function mergeOptions(base: SimulatorOptions, patch: Readonly<Record<string, unknown>>): SimulatorOptions {
  const cleared = Object.fromEntries(Object.entries(patch).map(([key, value]) => [key, value ?? undefined]));
  const profile = cleared.profile;
  const preset =
    typeof profile === 'string' && profile in PROFILE_SETTINGS
      ? PROFILE_SETTINGS[profile as keyof typeof PROFILE_SETTINGS]
      : {};
  const tuned = ['oneWayMs', 'answerMs', 'counter'].some((key) => key in cleared) && profile === undefined;
  return simulatorOptionsSchema.parse({ ...base, ...preset, ...cleared, ...(tuned ? { profile: 'custom' } : {}) });
}
