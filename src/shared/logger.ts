import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line. */
const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'access_token',
  '*.access_token',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'privateKey',
  '*.privateKey',
  'config.gateway.clientSecret',
  'config.gateway.privateKey',
  'config.webhookToken',
  'config.webhookSignatureSecret',
  'config.cliApi.apiKey',
];

export interface LoggerOptions {
  level: string;
  /** Defaults to pretty output when stdout is a terminal, JSON otherwise. */
  pretty?: boolean;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = { level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(base);
}
