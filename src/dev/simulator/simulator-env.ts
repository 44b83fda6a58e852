import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { parseInputs } from './input-env.ts';
import { SIMULATED_OUTCOMES, type SimulatedOutcome, type SimulatorOptions } from './options.ts';
import { GATEWAY_PROFILES, parseDelayRange } from './profiles.ts';

const share = z.coerce.number().min(0).max(1);
/** `10-30` (uniform between) or `20` (fixed), in ms. */
const range = z.string().transform((text, ctx) => {
  const parsed = parseDelayRange(text);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'expected <ms> or <min>-<max> in ms' });
  return parsed ?? { min: 0, max: 0 };
});

/** Environment of `callcast simulator`; every variable is optional (defaults in options.ts unless named here). */
const simulatorEnvSchema = z.object({
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  SIMULATOR_CALLS_PER_SECOND: z.coerce.number().int().min(1).default(3),
  /** loopback | far | jittery | smoothing: sets the next three (which override it when also given). */
  SIMULATOR_PROFILE: z.enum(GATEWAY_PROFILES).optional(),
  /** One-way time to the rate counter, e.g. `10-30`. */
  SIMULATOR_ONE_WAY_MS: range.optional(),
  /** Answer time after arrival at the counter, e.g. `250-350`. */
  SIMULATOR_ANSWER_MS: range.optional(),
  /** rolling (N per rolling second) or smoothing (SpikeArrest: one per 1000/N ms). */
  SIMULATOR_COUNTER: z.enum(['rolling', 'smoothing']).optional(),
  SIMULATOR_CLIENT_ID: z.string().min(1).optional(),
  SIMULATOR_CLIENT_SECRET: z.string().min(1).optional(),
  SIMULATOR_TOKEN_LIFETIME_SECONDS: z.coerce.number().positive().optional(),
  SIMULATOR_QUOTA_LIMIT: z.coerce.number().int().min(1).optional(),
  SIMULATOR_QUOTA_WINDOW_MS: z.coerce.number().int().min(1000).optional(),
  /** Multiplies real-life call timings; 0.1 makes a 30 s call last 3 s. */
  SIMULATOR_TIME_SCALE: z.coerce.number().min(0).max(100).optional(),
  /** Outcome weights, e.g. `answered=70,busy=10,unanswered=10,failed=10`. */
  SIMULATOR_OUTCOMES: z.string().optional(),
  SIMULATOR_SIGNATURE_SECRET: z.string().min(1).optional(),
  SIMULATOR_SERVER_ERROR_SHARE: share.optional(),
  SIMULATOR_DROP_SHARE: share.optional(),
  SIMULATOR_DUPLICATE_SHARE: share.optional(),
  SIMULATOR_OUT_OF_ORDER_SHARE: share.optional(),
  SIMULATOR_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  SIMULATOR_SEED: z.coerce.number().int().optional(),
  /** Answers to `input` actions by number suffix, e.g. `1=dtmf:1,3=timeout,4=speech:yes` (input-env.ts). */
  SIMULATOR_INPUTS: z.string().optional(),
});

export function simulatorOptionsFromEnv(env: Record<string, string | undefined>): Partial<SimulatorOptions> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('SIMULATOR_') && value),
  );
  const parsed = simulatorEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AppError('config_invalid', 500, `Invalid simulator configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const e = parsed.data;
  const options: Partial<SimulatorOptions> = {
    host: e.SIMULATOR_HOST,
    port: e.SIMULATOR_PORT,
    callsPerSecond: e.SIMULATOR_CALLS_PER_SECOND,
    profile: e.SIMULATOR_PROFILE,
    oneWayMs: e.SIMULATOR_ONE_WAY_MS,
    answerMs: e.SIMULATOR_ANSWER_MS,
    counter: e.SIMULATOR_COUNTER,
    clientId: e.SIMULATOR_CLIENT_ID,
    clientSecret: e.SIMULATOR_CLIENT_SECRET,
    tokenLifetimeSeconds: e.SIMULATOR_TOKEN_LIFETIME_SECONDS,
    quotaLimit: e.SIMULATOR_QUOTA_LIMIT,
    quotaWindowMs: e.SIMULATOR_QUOTA_WINDOW_MS,
    timeScale: e.SIMULATOR_TIME_SCALE,
    outcomes: e.SIMULATOR_OUTCOMES === undefined ? undefined : parseOutcomes(e.SIMULATOR_OUTCOMES),
    signatureSecret: e.SIMULATOR_SIGNATURE_SECRET,
    serverErrorShare: e.SIMULATOR_SERVER_ERROR_SHARE,
    dropShare: e.SIMULATOR_DROP_SHARE,
    duplicateShare: e.SIMULATOR_DUPLICATE_SHARE,
    outOfOrderShare: e.SIMULATOR_OUT_OF_ORDER_SHARE,
    latencyMs: e.SIMULATOR_LATENCY_MS,
    seed: e.SIMULATOR_SEED,
    ...inputOptions(e.SIMULATOR_INPUTS),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function inputOptions(text: string | undefined): Partial<SimulatorOptions> {
  if (text === undefined) return {};
  const { byNumber, fallback } = parseInputs(text);
  return { inputsByNumber: byNumber, ...(fallback ? { defaultInput: fallback } : {}) };
}

/** `answered=70,busy=10` → `{ answered: 70, busy: 10 }`; unknown outcomes are a config error. */
export function parseOutcomes(text: string): Partial<Record<SimulatedOutcome, number>> {
  const weights: Partial<Record<SimulatedOutcome, number>> = {};
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [name, weight] = part.split('=').map((item) => item.trim());
    const outcome = SIMULATED_OUTCOMES.find((known) => known === name);
    const value = Number(weight);
    if (!outcome || !Number.isFinite(value) || value < 0) {
      throw new AppError(
        'config_invalid',
        500,
        `SIMULATOR_OUTCOMES: bad entry "${part}" (outcomes: ${SIMULATED_OUTCOMES.join(', ')})`,
      );
    }
    weights[outcome] = value;
  }
  return weights;
}
