// Size: one schema for every environment variable, so every problem is listed at once and each
// setting has its default and its reason beside it; splitting it would scatter the one place to look.
import { z } from 'zod';
import { AppError } from '../shared/errors.ts';
import { MIN_RECONCILE_GRACE_MS } from '../shared/gateway-timing.ts';

const KPN_GATEWAY_URL = 'https://api-prd.kpn.com/communication/nexmo';
const KPN_TOKEN_URL = 'https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=client_credentials';

const url = z.url();
const optionalText = z.string().min(1).optional();
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** `a,b, c` → ['a', 'b', 'c'], each checked by `item`. */
const commaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item));

/**
 * Every environment variable callcast reads, with its default. Units are in the names.
 * Parsed once at start-up; a command names the optional ones it cannot run without.
 */
const envSchema = z.object({
  DATABASE_URL: url.optional(),
  REDIS_URL: url.optional(),
  /** Prefix for every Redis key (BullMQ queues, limiter), so deployments and tests can share a server. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .default('callcast'),
  GATEWAY_PROVIDER: z.enum(['kpn', 'vonage']).default('kpn'),
  GATEWAY_URL: url.default(KPN_GATEWAY_URL),
  GATEWAY_TOKEN_URL: url.default(KPN_TOKEN_URL),
  GATEWAY_CLIENT_ID: optionalText,
  GATEWAY_CLIENT_SECRET: optionalText,
  GATEWAY_APPLICATION_ID: optionalText,
  /** Vonage direct only: the application's RSA private key (PEM text or a file path). */
  VONAGE_PRIVATE_KEY: optionalText,
  /** Base URL where the gateway reaches our webhooks, e.g. https://callcast.example.com */
  PUBLIC_URL: url.optional(),
  /** Unguessable token carried in every webhook URL we hand out (≥ 16 chars). */
  WEBHOOK_TOKEN: z.string().min(16).optional(),
  /** Vonage signature secret; when set, callback JWTs are verified as well. */
  WEBHOOK_SIGNATURE_SECRET: optionalText,
  /**
   * Create-call requests per second across all workers: the gateway's limit. A whole number: the
   * rate guard admits whole requests per window, so 2.5/s could only be held as 2/s (or broken as 3/s).
   */
  CALLS_PER_SECOND: z.coerce
    .number()
    .refine((n) => Number.isInteger(n) && n >= 1, {
      message:
        'must be a whole number of at least 1: the rate guard admits whole requests per one-second window, so a fractional or smaller rate cannot be held exactly',
    })
    .pipe(z.number().max(10_000))
    .default(3),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65_535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Worker only: port of its own `/metrics` server; unset = none (several workers on one machine need one each). */
  METRICS_PORT: int(0, 65_535).optional(),
  /** Admin credential for Bull Board at /admin/queues (use ≥ 32 random chars); unset = the page is off (404). */
  ADMIN_TOKEN: optionalText,
  /** Region assumed for numbers written without a country code (ISO 3166-1 alpha-2). */
  DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('NL'),
  /** Most waiting jobs per campaign held in Redis; the rest wait in Postgres. */
  FEEDER_WINDOW: int(1, 100_000).default(1000),
  /** Jobs one worker process handles at once; the limiter, not this, sets the call rate. */
  WORKER_CONCURRENCY: int(1, 1000).default(16),
  /**
   * Added to the limiter's one-second window. A slot is held from admission until one window after
   * the gateway answered, which already covers the request's whole flight; 10 ms covers clock rounding.
   */
  CALL_RATE_MARGIN_MS: int(0, 1000).default(10),
  /**
   * `strict`: a slot is held until one window after the answer (holds whatever the network does);
   * `adaptive`: from when the request left plus a margin learned from 429s (dispatch/README.md).
   */
  RATE_GUARD: z.enum(['strict', 'adaptive']).default('strict'),
  /**
   * How long an attempt left in `dialing` without a call uuid waits for webhooks before it is
   * redialed. Honoured by a send deadline: a create-call leaves within it or not at all.
   */
  RECONCILE_GRACE_MS: int(0, 3_600_000)
    .refine((ms) => ms >= MIN_RECONCILE_GRACE_MS, {
      message: `must be at least ${MIN_RECONCILE_GRACE_MS} ms: a confirmed create-call gets the grace minus a quarter (at most 5 s) to leave (its send deadline), and below ${MIN_RECONCILE_GRACE_MS} ms that is under 750 ms`,
    })
    .default(60_000),
  /** BullMQ job lock; a killed worker's jobs return to the queue about this long after it died. */
  WORKER_LOCK_MS: int(1000, 600_000).default(30_000),
  /** How often each worker process's feeder moves due recipients into the queue. */
  FEEDER_INTERVAL_MS: int(100, 600_000).default(1000),
  /** CSV uploads one API process runs at once (each holds one connection of its own intake pool). */
  UPLOAD_MAX_CONCURRENT: int(1, 1000).default(4),
  /** CSV uploads one API key runs at once per process, so one tenant never holds every slot. */
  UPLOAD_MAX_PER_KEY: int(1, 1000).default(2),
  /** An upload that sends nothing for this long is ended (408): a stalled client must not hold a connection. */
  UPLOAD_IDLE_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  /** Longest a CSV upload may take in all; 1M rows take about 40 s, so 15 minutes is generous. */
  UPLOAD_TIMEOUT_MS: int(1000, 86_400_000).default(900_000),
  /**
   * `callcast api`'s V8 old-space cap in MB, applied by bin/callcast.js before anything is parsed
   * (it re-executes Node with the flag); listed here so a bad value is reported. 0 = Node's default.
   */
  API_MAX_HEAP_MB: int(0, 65_536).default(128),
  /** Raw webhook events (call_events) older than this are pruned by the workers; attempts and reports stay. */
  EVENT_RETENTION_DAYS: int(1, 3650).default(90),
  /** Idempotency keys older than this are pruned; a client retries within minutes, not weeks. */
  IDEMPOTENCY_RETENTION_DAYS: int(1, 3650).default(7),
  /** Most webhook events held in Redis while Postgres is down; beyond it the receiver answers 503. */
  EVENT_BUFFER_MAX: int(1, 100_000_000).default(100_000),
  /** Number types callees and connect targets may have (libphonenumber names, comma-separated). */
  ALLOWED_NUMBER_TYPES: commaList(
    z.enum([
      'MOBILE',
      'FIXED_LINE',
      'FIXED_LINE_OR_MOBILE',
      'VOIP',
      'TOLL_FREE',
      'PREMIUM_RATE',
      'SHARED_COST',
      'UAN',
      'PERSONAL_NUMBER',
      'PAGER',
      'VOICEMAIL',
    ]),
  ).default(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'VOIP', 'TOLL_FREE']),
  /** NCCO connect endpoint types allowed (comma-separated); sip/websocket/vbc/app can carry audio off the platform. */
  CONNECT_ENDPOINT_TYPES: commaList(z.enum(['phone', 'sip', 'websocket', 'vbc', 'app'])).default(['phone']),
  /** E.164 digit prefixes a connected phone number must start with; unset = DEFAULT_REGION's country code. */
  CONNECT_NUMBER_PREFIXES: commaList(z.string().regex(/^\d{1,15}$/)).optional(),
  /** Producer CLI commands (campaign, reminder, suppress): the running API they talk to. */
  CALLCAST_API_URL: url.default('http://127.0.0.1:3000'),
  /** Producer CLI commands: the API key they send as `Authorization: Bearer …`. */
  CALLCAST_API_KEY: optionalText,
  /** Outbound webhooks: allow loopback/private/link-local targets and plain HTTP (tests, the demo); never in production. */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false'),
  /** Outbound webhook deliveries one worker process sends at once; its own queue, so dialing never waits on it. */
  WEBHOOK_DELIVERY_CONCURRENCY: int(1, 1000).default(8),
  /** Time per delivery try (connect to last byte): a slow receiver costs a slot this long at most. */
  WEBHOOK_DELIVERY_TIMEOUT_MS: int(100, 60_000).default(10_000),
  /** First retry delay of a failed delivery; doubled per try, with jitter. */
  WEBHOOK_RETRY_BASE_MS: int(10, 3_600_000).default(5_000),
  /** Longest delay between two tries: a receiver back after an outage gets its events within this. */
  WEBHOOK_RETRY_MAX_DELAY_MS: int(10, 86_400_000).default(3_600_000),
  /** A delivery is given up this long after its event (24 h); a manual retry starts it again. */
  WEBHOOK_RETRY_MAX_AGE_MS: int(1_000, 30 * 86_400_000).default(86_400_000),
  /** An endpoint failing without a success for this long (3 days) is disabled, with the reason. */
  WEBHOOK_DISABLE_AFTER_MS: int(1_000, 365 * 86_400_000).default(3 * 86_400_000),
});

type Env = z.infer<typeof envSchema>;
export type EnvName = keyof Env;

/** The parsed settings, camel-cased and grouped; its type is inferred from the mapping below. */
export type Config = DeepReadonly<ReturnType<typeof toConfig>>;

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

/** Every environment variable name the schema knows, for docs checks. */
export const ENV_NAMES: readonly EnvName[] = Object.keys(envSchema.shape) as EnvName[];

/**
 * Parses the environment once. `required` names variables that are optional in general but
 * needed by the command at hand. Every problem is reported in one `config_invalid` error.
 */
export function loadConfig(env: Record<string, string | undefined>, required: readonly EnvName[] = []): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  for (const name of required) {
    if (cleaned[name] === undefined) problems.push(`${name}: required for this command`);
  }
  if (!parsed.success || problems.length > 0) {
    throw new AppError('config_invalid', 500, `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: problems,
    });
  }
  return toConfig(parsed.data);
}

function toConfig(env: Env) {
  return deepFreeze({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    gateway: {
      provider: env.GATEWAY_PROVIDER,
      url: env.GATEWAY_URL.replace(/\/+$/, ''),
      tokenUrl: env.GATEWAY_TOKEN_URL,
      clientId: env.GATEWAY_CLIENT_ID,
      clientSecret: env.GATEWAY_CLIENT_SECRET,
      applicationId: env.GATEWAY_APPLICATION_ID,
      privateKey: env.VONAGE_PRIVATE_KEY,
    },
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    webhookToken: env.WEBHOOK_TOKEN,
    webhookSignatureSecret: env.WEBHOOK_SIGNATURE_SECRET,
    callsPerSecond: env.CALLS_PER_SECOND,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    metricsPort: env.METRICS_PORT,
    adminToken: env.ADMIN_TOKEN,
    defaultRegion: env.DEFAULT_REGION,
    feederWindow: env.FEEDER_WINDOW,
    workerConcurrency: env.WORKER_CONCURRENCY,
    callRateMarginMs: env.CALL_RATE_MARGIN_MS,
    rateGuard: env.RATE_GUARD,
    reconcileGraceMs: env.RECONCILE_GRACE_MS,
    workerLockMs: env.WORKER_LOCK_MS,
    feederIntervalMs: env.FEEDER_INTERVAL_MS,
    uploads: {
      maxConcurrent: env.UPLOAD_MAX_CONCURRENT,
      maxPerKey: env.UPLOAD_MAX_PER_KEY,
      idleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT_MS,
      timeoutMs: env.UPLOAD_TIMEOUT_MS,
    },
    retention: { eventDays: env.EVENT_RETENTION_DAYS, idempotencyDays: env.IDEMPOTENCY_RETENTION_DAYS },
    eventBufferMax: env.EVENT_BUFFER_MAX,
    dialPolicy: {
      numberTypes: env.ALLOWED_NUMBER_TYPES,
      connectTypes: env.CONNECT_ENDPOINT_TYPES,
      connectPrefixes: env.CONNECT_NUMBER_PREFIXES,
    },
    cliApi: { url: env.CALLCAST_API_URL.replace(/\/+$/, ''), apiKey: env.CALLCAST_API_KEY },
    outboundWebhooks: {
      allowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true',
      concurrency: env.WEBHOOK_DELIVERY_CONCURRENCY,
      timeoutMs: env.WEBHOOK_DELIVERY_TIMEOUT_MS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxDelayMs: env.WEBHOOK_RETRY_MAX_DELAY_MS,
      retryMaxAgeMs: env.WEBHOOK_RETRY_MAX_AGE_MS,
      disableAfterMs: env.WEBHOOK_DISABLE_AFTER_MS,
    },
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object') deepFreeze(inner);
  }
  return Object.freeze(value);
}

/**
 * A config in which the named optional settings are known to be present: what a command that
 * declared them as required (`loadConfig(env, [...])`) may rely on, checked once.
 */
export type ConfigWith<K extends keyof Config> = Config & { readonly [P in K]-?: NonNullable<Config[P]> };

export function requireSettings<K extends keyof Config>(
  config: Config,
  settings: { readonly [P in K]: EnvName },
): ConfigWith<K> {
  const missing = Object.entries<EnvName>(settings)
    .filter(([key]) => config[key as K] === undefined)
    .map(([, name]) => `${name}: required for this command`);
  if (missing.length > 0) {
    throw new AppError('config_invalid', 500, `Invalid configuration:\n  - ${missing.join('\n  - ')}`, {
      details: missing,
    });
  }
  return config as ConfigWith<K>;
}

/** Narrows an optional setting that a command declared as required. */
export function must<T>(value: T | undefined, name: EnvName): T {
  if (value === undefined) throw new AppError('config_invalid', 500, `${name} is required`);
  return value;
}
